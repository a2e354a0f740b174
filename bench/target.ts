/**
 * One server under test, in its own process: `target.ts <name> <config.json> [port]`. Names:
 * `bare:<framework>`, `latchkey:<adapter>` (cookie mode), `latchkey-session:<adapter>`
 * (session mode on Redis), `next:<cookie|session>` (targets/next.ts: `next start` of an app
 * built beforehand) and the peers of targets/peers.ts. Reports `{ url, cookieNames }`
 * when listening; stops (writing its `--cpu-prof` profile, if any) when told to.
 */
import { readFileSync } from 'node:fs'
import type { CookieNames } from '@latchkey/server'
import { freePort } from '../test/support/free_port.ts'
import { serveChild } from './lib/processes.ts'
import { type Framework, serveBare } from './targets/bare.ts'
import type { TargetConfig } from './targets/config.ts'
import { type LatchkeyAdapter, latchkeyFor, serveLatchkey } from './targets/latchkey.ts'
import { type NextMode, serveNext } from './targets/next.ts'
import { type Peer, servePeer } from './targets/peers.ts'

export interface TargetReady {
  url: string
  cookieNames?: CookieNames
}

const [name = '', configFile = '', portArg] = process.argv.slice(2)
const config = JSON.parse(readFileSync(configFile, 'utf8')) as TargetConfig
// `#…` names a second instance of the same server.
const [kind, variant = ''] = (name.split('#')[0] as string).split(':')
const port = portArg ? Number(portArg) : await freePort()
const url = `http://127.0.0.1:${port}`

let server: { close(): Promise<unknown> }
let cookieNames: CookieNames | undefined
if (kind === 'bare') server = await serveBare(variant as Framework, port)
else if (kind === 'latchkey' || kind === 'latchkey-session') {
  const auth = latchkeyFor(config, url, kind === 'latchkey' ? 'cookie' : 'session')
  cookieNames = auth.cookieNames
  server = await serveLatchkey(variant as LatchkeyAdapter, auth, port)
} else if (kind === 'next') {
  // The names the app's own core gives its cookies (the same options, so the same names).
  cookieNames = latchkeyFor(config, url, variant as NextMode).cookieNames
  server = await serveNext(variant as NextMode, configFile, port)
} else server = await servePeer(kind as Peer, config, port)

serveChild({ url, cookieNames } satisfies TargetReady, () => server.close().then(() => undefined))
