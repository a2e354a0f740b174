import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '@latchkey/store'
import type Provider from 'oidc-provider'
import QRCode from 'qrcode'
import type { Accounts } from '../accounts/accounts.ts'
import type { Audit } from '../audit.ts'
import { formTokens } from '../lib/form_token.ts'
import { clientIp, readForm, sendHtml } from '../lib/http.ts'
import type { Throttle } from '../throttle.ts'
import {
  consentPage,
  enrolPage,
  type FormContext,
  loginPage,
  messagePage,
  mfaPage,
  recoveryCodesPage,
} from './pages.ts'

interface Pending {
  accountId: string
  stage: 'mfa' | 'enrol' | 'recovery-codes'
  secret?: string
  otpauthUrl?: string
  amr: string[]
}

export interface InteractionDeps {
  /** The current oidc-provider (it is rebuilt when the signing keys rotate). */
  provider: () => Provider
  accounts: Accounts
  ephemeral: Store
  throttle: Throttle
  audit: Audit
  brand: string
  formKey: string
}

const PENDING = 'interaction:pending'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The login, MFA, enrolment and consent screens behind oidc-provider's interaction URLs
 * (`/interaction/:uid[/:step]`). Each step re-reads the interaction, which oidc-provider
 * binds to this browser with its interaction cookie.
 */
export function interactionRoutes(deps: InteractionDeps) {
  const { provider, accounts, ephemeral, throttle, audit, brand } = deps
  const tokens = formTokens(deps.formKey)
  const ctxFor = (uid: string, step: string): FormContext => ({
    brand,
    action: `/interaction/${uid}/${step}`,
    csrf: tokens.issue(uid),
  })
  /** The client's display name (`client_name`), or its id. */
  const clientLabel = async (clientId: unknown) => {
    const id = String(clientId ?? '')
    return (await provider().Client.find(id))?.clientName ?? id
  }

  const finishLogin = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    pending: Pending,
  ) => {
    await ephemeral.delete(PENDING, uid)
    audit('login.succeeded', { accountId: pending.accountId, amr: pending.amr, ip: clientIp(req) })
    await provider().interactionFinished(
      req,
      res,
      { login: { accountId: pending.accountId, amr: pending.amr } },
      { mergeWithLastSubmission: false },
    )
  }

  const showSecondFactor = async (
    res: ServerResponse,
    uid: string,
    pending: Pending,
    error?: string,
  ) => {
    if (pending.stage === 'mfa')
      return sendHtml(res, error ? 401 : 200, mfaPage({ ...ctxFor(uid, 'mfa'), error }))
    const qrDataUri = await QRCode.toDataURL(pending.otpauthUrl ?? '', { margin: 1, width: 200 })
    return sendHtml(
      res,
      error ? 401 : 200,
      enrolPage({ ...ctxFor(uid, 'enrol'), qrDataUri, secret: pending.secret ?? '', error }),
    )
  }

  const steps: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams) => Promise<void>
  > = {
    async login(req, res, uid, form) {
      const username = (form.get('username') ?? '').trim()
      const password = form.get('password') ?? ''
      const ip = clientIp(req)
      const verdict = await throttle.check(ip, username)
      if (verdict.blocked) {
        audit('login.throttled', { ip })
        return sendHtml(
          res,
          429,
          messagePage(
            brand,
            'Too many attempts',
            'Too many failed sign-ins from your network. Please wait a few minutes and try again.',
          ),
          { 'retry-after': String(verdict.retryAfter) },
        )
      }
      if (verdict.delayMs > 0) await sleep(verdict.delayMs)
      const account = await accounts.authenticate(username, password)
      const details = await provider().interactionDetails(req, res)
      const client = await clientLabel(details.params.client_id)
      if (!account) {
        await throttle.fail(ip, username)
        audit('login.failed', { username, ip })
        return sendHtml(
          res,
          401,
          loginPage({
            ...ctxFor(uid, 'login'),
            client,
            username,
            error: 'Wrong username or password.',
          }),
        )
      }
      await throttle.succeed(username)
      const pending: Pending = { accountId: account.id, stage: 'mfa', amr: ['pwd'] }
      if (!account.totpEnrolled && !account.mfaRequired) return finishLogin(req, res, uid, pending)
      if (!account.totpEnrolled) {
        const { secret, otpauthUrl } = accounts.beginTotp(account)
        Object.assign(pending, { stage: 'enrol', secret, otpauthUrl })
      }
      await ephemeral.set(PENDING, uid, pending, { ttl: 600 })
      return showSecondFactor(res, uid, pending)
    },

    async mfa(req, res, uid, form) {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage !== 'mfa') return restart(res)
      const used = await accounts.verifySecondFactor(pending.accountId, form.get('code') ?? '')
      if (!used) {
        audit('mfa.failed', { accountId: pending.accountId, ip: clientIp(req) })
        return showSecondFactor(res, uid, pending, 'That code is not valid. Try the current one.')
      }
      audit('mfa.succeeded', { accountId: pending.accountId, method: used })
      return finishLogin(req, res, uid, {
        ...pending,
        amr: ['pwd', used === 'totp' ? 'otp' : 'rec'],
      })
    },

    async enrol(_req, res, uid, form) {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage !== 'enrol' || !pending.secret) return restart(res)
      const codes = await accounts.confirmTotp(
        pending.accountId,
        pending.secret,
        form.get('code') ?? '',
      )
      if (!codes)
        return showSecondFactor(
          res,
          uid,
          pending,
          'That code is not valid. Check the time on your device and try again.',
        )
      audit('mfa.enrolled', { accountId: pending.accountId })
      const next: Pending = {
        accountId: pending.accountId,
        stage: 'recovery-codes',
        amr: ['pwd', 'otp'],
      }
      await ephemeral.set(PENDING, uid, next, { ttl: 600 })
      return sendHtml(res, 200, recoveryCodesPage({ ...ctxFor(uid, 'continue'), codes }))
    },

    async continue(req, res, uid) {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage !== 'recovery-codes') return restart(res)
      return finishLogin(req, res, uid, pending)
    },

    async consent(req, res) {
      const details = await provider().interactionDetails(req, res)
      const { prompt, params, session } = details
      if (prompt.name !== 'consent' || !session) return restart(res)
      const { Grant } = provider()
      const grant = details.grantId
        ? await Grant.find(details.grantId)
        : new Grant({ accountId: session.accountId, clientId: String(params.client_id) })
      if (!grant) return restart(res)
      const missing = prompt.details as {
        missingOIDCScope?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '))
      }
      const grantId = await grant.save()
      audit('consent.granted', { accountId: session.accountId, clientId: params.client_id })
      await provider().interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      )
    },

    async abort(req, res) {
      await provider().interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied the request' },
        { mergeWithLastSubmission: false },
      )
    },
  }

  const restart = (res: ServerResponse) =>
    sendHtml(
      res,
      400,
      messagePage(
        brand,
        'Sign-in expired',
        'This sign-in has expired. Go back to the app and start again.',
      ),
    )

  const show = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const details = await provider().interactionDetails(req, res)
    const client = await clientLabel(details.params.client_id)
    if (details.prompt.name === 'login') {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending && pending.stage !== 'recovery-codes') return showSecondFactor(res, uid, pending)
      return sendHtml(
        res,
        200,
        loginPage({
          ...ctxFor(uid, 'login'),
          client,
          username: String(details.params.login_hint ?? '') || undefined,
        }),
      )
    }
    const missing = details.prompt.details as { missingOIDCScope?: string[] }
    return sendHtml(
      res,
      200,
      consentPage({
        ...ctxFor(uid, 'consent'),
        client,
        scopes: missing.missingOIDCScope ?? ['access your profile'],
        abort: `/interaction/${uid}/abort`,
      }),
    )
  }

  /** Handles `/interaction/...`; answers false when the path is not one of ours. */
  return async function handleInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/([a-z-]+))?$/.exec(path)
    if (!match) return false
    const [, uid = '', step] = match
    try {
      if (req.method === 'GET' && !step) {
        await show(req, res, uid)
        return true
      }
      const handler = step ? steps[step] : undefined
      if (req.method !== 'POST' || !handler) {
        sendHtml(res, 404, messagePage(brand, 'Not found', 'There is nothing here.'))
        return true
      }
      const form = await readForm(req)
      if (!form || !tokens.verify(uid, form.get('csrf'))) {
        sendHtml(
          res,
          403,
          messagePage(
            brand,
            'Request refused',
            'This form has expired. Go back to the app and start again.',
          ),
        )
        return true
      }
      await handler(req, res, uid, form)
    } catch (error) {
      if ((error as { name?: string }).name === 'SessionNotFound') restart(res)
      else throw error
    }
    return true
  }
}
