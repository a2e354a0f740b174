import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'

// With several values (a comma-separated list, or the header repeated), the last one is what
// the nearest proxy added — the only one a trusted proxy vouches for; the others came with
// the request and may be forged.
const lastValue = (header: string | string[] | undefined) =>
  [header ?? []].flat().join(',').split(',').at(-1)?.trim() || undefined

/**
 * The client's address and whether the request came over TLS: from the socket, or — with
 * `trustProxy`, when the IdP is reachable only through one proxy that sets them — from
 * `X-Forwarded-For` and `X-Forwarded-Proto`. Without it those headers are ignored, so a
 * client cannot pick the address its failed sign-ins are counted against.
 */
export function forwardedFacts(trustProxy: boolean) {
  return {
    clientIp(req: IncomingMessage): string {
      const forwarded = trustProxy ? lastValue(req.headers['x-forwarded-for']) : undefined
      return (forwarded ?? req.socket.remoteAddress ?? 'unknown').slice(0, 64)
    },
    isHttps(req: IncomingMessage): boolean {
      if ((req.socket as TLSSocket).encrypted) return true
      return trustProxy && lastValue(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https'
    },
  }
}

export type ForwardedFacts = ReturnType<typeof forwardedFacts>
