import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { formTokens } from '../lib/form_token.ts'
import { readForm, sendJson } from '../lib/http.ts'
import type { SignInSteps } from '../sign_in.ts'

/**
 * `POST /interaction/:uid/passkey-options`: the options of a passkey sign-in for this
 * interaction (JSON, for /assets/passkey.js). Like the interaction's forms it needs the
 * interaction cookie and the form token, so another site can neither start a ceremony in the
 * user's sign-in nor read its challenge.
 */
export function passkeyOptionsRoute(deps: {
  provider: () => Provider
  signIn: SignInSteps
  tokens: ReturnType<typeof formTokens>
  maxBodyBytes: number
}) {
  const { provider, signIn, tokens } = deps
  const refuse = (res: ServerResponse, status: number, message: string) =>
    sendJson(res, status, { error: 'invalid_request', message })
  return async function handlePasskeyOptions(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})\/passkey-options$/.exec(path)
    if (!match) return false
    const uid = match[1] ?? ''
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', message: 'use POST' }, { allow: 'POST' })
      return true
    }
    const form = await readForm(req, deps.maxBodyBytes)
    if (!form || !tokens.verify(uid, form.get('csrf'))) {
      refuse(res, 403, 'This form has expired. Reload the page.')
      return true
    }
    const details = await provider()
      .interactionDetails(req, res)
      .catch(() => undefined)
    if (details?.uid !== uid || details.prompt.name !== 'login') {
      refuse(res, 400, 'This sign-in has expired. Go back to the app and start again.')
      return true
    }
    const options = await signIn.passkeyOptions(uid)
    if (options) sendJson(res, 200, options)
    else refuse(res, 429, 'This sign-in has ended. Go back to the app and sign in again.')
    return true
  }
}
