import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { Agent, setGlobalDispatcher } from 'undici'

type Callback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** True for `localhost` and any name under it: loopback by RFC 6761 §6.3. */
export const isLocalhostName = (hostname: string) => /^(.+\.)?localhost\.?$/i.test(hostname)

/**
 * `dns.lookup` that answers loopback for `*.localhost` itself (browsers do; the OS resolver
 * here may not), and asks the system for every other name.
 */
export function localhostLookup(
  hostname: string,
  options: LookupOptions,
  callback: Callback,
): void {
  if (!isLocalhostName(hostname)) {
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

/** Makes every `fetch` in this process resolve `*.localhost` to loopback. */
export function resolveLocalhostNames(): void {
  setGlobalDispatcher(new Agent({ connect: { lookup: localhostLookup as never } }))
}
