import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Where the IdP's script is served; pages that use it name it and allow it (`SCRIPTED_CSP`). */
export const PASSKEY_SCRIPT = '/assets/passkey.js'

// @simplewebauthn/browser's UMD bundle (it defines `SimpleWebAuthnBrowser`) from the installed
// package, then the IdP's own script, in one file: the browser needs nothing from elsewhere.
const script = () => {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser')
  const bundle = join(dirname(entry), '../dist/bundle/index.umd.min.js')
  // From src/passkeys/ and dist/passkeys/ alike: the package root, then src/.
  const own = new URL('../../src/passkeys/browser/passkey.js', import.meta.url)
  return `${readFileSync(bundle, 'utf8')}\n${readFileSync(own, 'utf8')}`
}

/** Serves `/assets/passkey.js`, read once at start. */
export function passkeyAssets() {
  const body = script()
  return async function servePasskeyScript(
    _req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    if (path !== PASSKEY_SCRIPT) return false
    res.removeHeader('pragma')
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    })
    res.end(body)
    return true
  }
}
