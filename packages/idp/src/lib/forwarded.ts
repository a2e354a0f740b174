import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'
import type { TLSSocket } from 'node:tls'

/**
 * Which peers may speak for the client: `true` any peer (the IdP is reachable only through
 * the proxy), or the proxies' own addresses and CIDR ranges (`['127.0.0.1', '10.0.0.0/8']`).
 */
export type TrustProxy = boolean | readonly string[]

// With several values (a comma-separated list, or the header repeated), the last one is what
// the nearest proxy added — the only one a trusted proxy vouches for; the others came with
// the request and may be forged.
const lastValue = (header: string | string[] | undefined) =>
  [header ?? []].flat().join(',').split(',').at(-1)?.trim() || undefined

// An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
const unmapped = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')

/** The proxies in a list, or a TypeError naming the entry that is neither address nor range. */
function trustedPeers(proxies: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList()
  for (const entry of proxies) {
    const [address = '', bits, extra] = unmapped(entry.trim()).split('/')
    const family = isIP(address)
    const prefix = Number(bits)
    const max = family === 4 ? 32 : 128
    if (!family || extra !== undefined || (bits !== undefined && !(prefix >= 0 && prefix <= max))) {
      throw new TypeError(`trustProxy: "${entry}" is not an IP address or CIDR range`)
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, prefix, type)
  }
  return (peer) => {
    if (!peer) return false
    const address = unmapped(peer)
    return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')
  }
}

/**
 * The client's address and whether the request came over TLS: from the socket, or — when the
 * TCP peer is a trusted proxy (`trustProxy`) — from `X-Forwarded-For` and `X-Forwarded-Proto`.
 * From any other peer those headers are ignored, so a client cannot pick the address its
 * failed sign-ins are counted against, nor claim https.
 */
export function forwardedFacts(trustProxy: TrustProxy) {
  const trusted = typeof trustProxy === 'boolean' ? () => trustProxy : trustedPeers(trustProxy)
  const believed = (req: IncomingMessage) => trusted(req.socket.remoteAddress)
  return {
    clientIp(req: IncomingMessage): string {
      const forwarded = believed(req) ? lastValue(req.headers['x-forwarded-for']) : undefined
      return (forwarded ?? req.socket.remoteAddress ?? 'unknown').slice(0, 64)
    },
    isHttps(req: IncomingMessage): boolean {
      if ((req.socket as TLSSocket).encrypted) return true
      return believed(req) && lastValue(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https'
    },
  }
}

export type ForwardedFacts = ReturnType<typeof forwardedFacts>
