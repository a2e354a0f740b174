import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Budget } from './budget.ts'

/** One answer, as the server sent it: no redirect followed, every `Set-Cookie` line kept. */
export interface Reply {
  method: string
  url: string
  status: number
  headers: Record<string, string | string[] | undefined>
  setCookies: string[]
  body: string
}

export interface RequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string
}

const MAX_BODY = 256 * 1024

/** RFC 6761 §6.3: `localhost` and every name under it are loopback, whatever the resolver says. */
export const isLoopbackHost = (hostname: string) =>
  /^(.+\.)?localhost\.?$/i.test(hostname) ||
  hostname === '[::1]' ||
  /^127(\.\d{1,3}){3}$/.test(hostname)

type Callback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

function lookup(hostname: string, options: LookupOptions, callback: Callback): void {
  if (!/^(.+\.)?localhost\.?$/i.test(hostname)) {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) =>
      options.all
        ? callback(error, addresses)
        : callback(error, addresses[0]?.address ?? '', addresses[0]?.family),
    )
    return
  }
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

/** The value of a header, repeated ones joined as RFC 9110 §5.3 allows. */
export const header = (reply: Reply, name: string): string | undefined => {
  const value = reply.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * A plain HTTP client for the audit: each call is one request on the budget, never a
 * redirect followed, headers sent exactly as given (`Origin`, `Sec-Fetch-Site` included),
 * and at most 256 KiB of body read.
 */
export function httpClient(budget: Budget, timeoutMs = 10_000) {
  return function send(url: string, init: RequestInit = {}): Promise<Reply> {
    budget.spend()
    const target = new URL(url)
    const method = init.method ?? 'GET'
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          headers: {
            'user-agent': 'latchkey-audit',
            ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }),
            ...init.headers,
          },
          lookup: lookup as never,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size <= MAX_BODY) chunks.push(chunk)
          })
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']
            resolve({
              method,
              url,
              status: res.statusCode ?? 0,
              headers: res.headers,
              setCookies: setCookie ?? [],
              body: Buffer.concat(chunks).toString('utf8'),
            })
          })
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} in time`)))
      req.on('error', reject)
      req.end(init.body)
    })
  }
}

export type Send = ReturnType<typeof httpClient>
