import type { IncomingMessage, ServerResponse } from 'node:http'
import { formTokens } from '../lib/form_token.ts'
import { readForm, sendHtml, sendJson } from '../lib/http.ts'
import { SCRIPTED_CSP } from '../lib/security_headers.ts'
import { messagePage } from '../screens/pages.ts'
import { type ConsoleSession, type ConsoleUser, consolePath } from './console_session.ts'
import { type ConsoleDeps, type ConsoleRequest, type ConsoleSection, NOTICES } from './context.ts'
import { devicesSection } from './devices.ts'
import { stepUpPage } from './pages.ts'
import { passkeysSection, registrationPlace } from './passkeys.ts'
import { passwordSection } from './password.ts'
import { profileSection } from './profile.ts'
import { twoStepSection } from './two_step.ts'

/**
 * The console's form tokens: HMAC of the SSO session's uid (form_token.ts), so a token is
 * good only in the browser holding that session (OWASP CSRF Prevention: synchronizer token).
 */
const consoleTokens = (formKey: string) => {
  const tokens = formTokens(formKey)
  return {
    issue: (user: ConsoleUser) => tokens.issue(`console:${user.sessionUid}`),
    verify: (user: ConsoleUser, token: string | null) =>
      tokens.verify(`console:${user.sessionUid}`, token),
  }
}

/**
 * The account console (`/account`, `/account/<section>[/<change>]`), server-rendered like
 * the sign-in screens: GET shows a section, POST makes a change — each with its form token,
 * audited, and those that weaken the account only after a recent sign-in (step-up).
 */
export function accountConsole(
  deps: ConsoleDeps & { session: ConsoleSession; formKey: string; maxBodyBytes: number },
) {
  const { brand, session } = deps
  const tokens = consoleTokens(deps.formKey)
  const profile = profileSection(deps)
  const sections: Record<string, ConsoleSection> = {
    '': profile,
    profile,
    password: passwordSection(deps),
    'two-step': twoStepSection(deps),
    passkeys: passkeysSection(deps),
    devices: devicesSection(deps),
  }
  const redirect = (res: ServerResponse, location: string) => res.writeHead(303, { location }).end()
  const message = (res: ServerResponse, status: number, title: string, text: string) =>
    sendHtml(res, status, messagePage(brand, title, text))

  const signInRoutes: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown> = {
    async '/account/sign-in'(req, res) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams
      const fresh = query.get('fresh') === '1'
      const user = fresh ? await session.user(req, res) : undefined
      redirect(
        res,
        await session.signInUrl(consolePath(query.get('return')), fresh, user?.account.username),
      )
    },
    async '/account/callback'(req, res) {
      const state = new URL(req.url ?? '/', 'http://x').searchParams.get('state') ?? ''
      const back = await session.returnTo(state)
      if (back) return redirect(res, back)
      message(res, 400, 'Sign-in expired', 'Open your account page again.')
    },
  }

  return async function handleConsole(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    const signIn = signInRoutes[path]
    if (signIn) {
      await signIn(req, res)
      return true
    }
    const match = /^\/account(?:\/([a-z-]+))?(?:\/([a-z-]+))?$/.exec(path)
    if (!match || match[1] === 'sessions') return false
    const [, name = '', change] = match
    const section = sections[name]
    const action = change ? section?.actions[change] : undefined
    const get = req.method === 'GET' && !change
    if (!section || (!get && (req.method !== 'POST' || !action))) {
      message(res, 404, 'Not found', 'There is nothing here.')
      return true
    }
    const user = await session.user(req, res)
    // Not signed in: sign in, then back to the section (a form posted then is not replayed).
    if (!user) {
      redirect(res, await session.signInUrl(name ? `/account/${name}` : '/account', false))
      return true
    }
    const form = get ? new URLSearchParams() : await readForm(req, deps.maxBodyBytes)
    if (!form || (!get && !tokens.verify(user, form.get('csrf')))) {
      deps.audit('account.csrf_refused', { accountId: user.account.id, path })
      message(res, 403, 'Request refused', 'This form has expired. Reload the page and try again.')
      return true
    }
    if (action?.weakens && !session.recent(user)) {
      const back = name ? `/account/${name}` : '/account'
      const url = `/account/sign-in?fresh=1&return=${encodeURIComponent(back)}`
      sendHtml(res, 401, stepUpPage(brand, url))
      return true
    }
    const done = new URL(req.url ?? '/', 'http://x').searchParams.get('done') ?? ''
    const request: ConsoleRequest = {
      req,
      res,
      user,
      recent: session.recent(user),
      form,
      page: {
        brand,
        username: user.account.username,
        csrf: tokens.issue(user),
        notice: NOTICES[done as keyof typeof NOTICES],
      },
      send: (status, html) => sendHtml(res, status, html, SCRIPTED_CSP),
      done: (to, notice) => redirect(res, `${to}?done=${notice}`),
    }
    await (action ? action.run(request) : section.show(request))
    return true
  }
}

/**
 * `POST /account/passkeys/options`: the options of a passkey registration (JSON, for
 * /assets/passkey.js), with the console's form token and a recent sign-in, like the change
 * it leads to.
 */
export function passkeyRegistrationOptions(
  deps: ConsoleDeps & { session: ConsoleSession; formKey: string; maxBodyBytes: number },
) {
  const { session, registration } = deps
  const tokens = consoleTokens(deps.formKey)
  const refuse = (res: ServerResponse, status: number, error: string, message: string) =>
    sendJson(res, status, { error, message })
  return async function handleRegistrationOptions(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    if (path !== '/account/passkeys/options') return false
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', message: 'use POST' }, { allow: 'POST' })
      return true
    }
    const user = await session.user(req, res)
    if (!user) {
      refuse(res, 401, 'login_required', 'Your session has ended. Reload the page.')
      return true
    }
    const form = await readForm(req, deps.maxBodyBytes)
    if (!form || !tokens.verify(user, form.get('csrf'))) {
      refuse(res, 403, 'invalid_request', 'This form has expired. Reload the page.')
      return true
    }
    if (!session.recent(user)) {
      refuse(res, 401, 'login_required', 'This change needs a recent sign-in. Reload the page.')
      return true
    }
    sendJson(res, 200, await registration.options(user.account, registrationPlace(user.sessionUid)))
    return true
  }
}
