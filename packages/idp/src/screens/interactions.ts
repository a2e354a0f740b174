import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import QRCode from 'qrcode'
import type { Audit } from '../audit.ts'
import { formTokens } from '../lib/form_token.ts'
import { readForm, sendHtml } from '../lib/http.ts'
import { SCRIPTED_CSP } from '../lib/security_headers.ts'
import type { CodeResult, Login, Pending, SignInSteps } from '../sign_in.ts'
import {
  consentPage,
  enrolPage,
  type FormContext,
  loginPage,
  messagePage,
  mfaPage,
  newPasswordPage,
  recoveryCodesPage,
} from './pages.ts'

export interface InteractionDeps {
  /** The current oidc-provider (it is rebuilt when the signing keys rotate). */
  provider: () => Provider
  signIn: SignInSteps
  audit: Audit
  brand: string
  formKey: string
  clientIp: (req: IncomingMessage) => string
  /** The largest form body read. */
  maxBodyBytes: number
}

/** "1 second", "40 seconds", "15 minutes": how long a refused user should wait. */
const duration = (seconds: number) =>
  seconds < 120
    ? `${seconds} second${seconds === 1 ? '' : 's'}`
    : `${Math.ceil(seconds / 60)} minutes`

// RFC 6585 §4: 429 with Retry-After for an attempt refused by a limit.
const retryAfter = (seconds: number) => ({ 'retry-after': String(seconds) })

/**
 * The login, MFA, enrolment and consent screens behind oidc-provider's interaction URLs
 * (`/interaction/:uid[/:step]`). Each step re-reads the interaction, which oidc-provider
 * binds to this browser with its interaction cookie; the sign-in itself (sign_in.ts) answers
 * what happened, and these screens show it.
 */
export function interactionRoutes(deps: InteractionDeps) {
  const { provider, signIn, audit, brand, clientIp } = deps
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

  const finishLogin = (req: IncomingMessage, res: ServerResponse, login: Login) =>
    provider().interactionFinished(
      req,
      res,
      { login: { accountId: login.accountId, amr: login.amr, acr: login.acr } },
      { mergeWithLastSubmission: false },
    )

  const showSecondFactor = async (
    res: ServerResponse,
    uid: string,
    pending: Pending,
    error?: { status: number; message: string; headers?: Record<string, string> },
  ) => {
    const status = error?.status ?? 200
    if (pending.stage === 'mfa')
      return sendHtml(
        res,
        status,
        mfaPage({
          ...ctxFor(uid, 'mfa'),
          factors: pending.factors ?? { totp: true, passkey: false },
          passkey: passkeyForm(uid),
          error: error?.message,
        }),
        { ...SCRIPTED_CSP, ...error?.headers },
      )
    if (pending.stage === 'new-password')
      return sendHtml(
        res,
        status,
        newPasswordPage({ ...ctxFor(uid, 'new-password'), error: error?.message }),
        error?.headers,
      )
    const qrDataUri = await QRCode.toDataURL(pending.otpauthUrl ?? '', { margin: 1, width: 200 })
    return sendHtml(
      res,
      status,
      enrolPage({
        ...ctxFor(uid, 'enrol'),
        qrDataUri,
        secret: pending.secret ?? '',
        error: error?.message,
      }),
      error?.headers,
    )
  }

  /** Where the passkey form of this interaction posts, and asks for its options. */
  const passkeyForm = (uid: string) => ({
    action: `/interaction/${uid}/passkey`,
    options: `/interaction/${uid}/passkey-options`,
  })

  const ended = (res: ServerResponse) =>
    sendHtml(
      res,
      429,
      messagePage(
        brand,
        'Sign-in ended',
        'Too many wrong codes. For your safety this sign-in has ended: go back to the app and sign in again.',
      ),
    )

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

  const codeStep =
    (stage: 'mfa' | 'enrol', wrongMessage: string) =>
    async (req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams) => {
      const result: CodeResult = await signIn.code(
        uid,
        clientIp(req),
        stage,
        form.get('code') ?? '',
      )
      switch (result.kind) {
        case 'expired':
          return restart(res)
        case 'ended':
          return ended(res)
        case 'refused': {
          const pending = await signIn.pending(uid)
          if (!pending) return restart(res)
          return showSecondFactor(res, uid, pending, {
            status: 429,
            message: `Too many attempts. Try again in ${duration(result.retryAfter)}.`,
            headers: retryAfter(result.retryAfter),
          })
        }
        case 'wrong':
          return showSecondFactor(res, uid, result.pending, { status: 401, message: wrongMessage })
        case 'second-factor':
          return showSecondFactor(res, uid, result.pending)
        case 'enrolled':
          return sendHtml(
            res,
            200,
            recoveryCodesPage({ ...ctxFor(uid, 'continue'), codes: result.codes }),
          )
        case 'signed-in':
          return finishLogin(req, res, result.login)
      }
    }

  const steps: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams) => Promise<void>
  > = {
    async login(req, res, uid, form) {
      const username = (form.get('username') ?? '').trim()
      const result = await signIn.password(uid, clientIp(req), username, form.get('password') ?? '')
      if (result.kind === 'signed-in') return finishLogin(req, res, result.login)
      if (result.kind === 'second-factor') return showSecondFactor(res, uid, result.pending)
      if (result.kind === 'ended') return ended(res)
      const details = await provider().interactionDetails(req, res)
      const page = (status: number, error: string, headers?: Record<string, string>) =>
        clientLabel(details.params.client_id).then((client) =>
          sendHtml(
            res,
            status,
            loginPage({
              ...ctxFor(uid, 'login'),
              client,
              username,
              error,
              passkey: passkeyForm(uid),
            }),
            { ...SCRIPTED_CSP, ...headers },
          ),
        )
      if (result.kind === 'missing') return page(400, 'Enter your username and password.')
      if (result.kind === 'wrong') return page(401, 'Wrong username or password.')
      const message =
        result.rule === 'address'
          ? 'Too many failed sign-ins from your network.'
          : 'Too many failed attempts for this account.'
      return page(
        429,
        `${message} Try again in ${duration(result.retryAfter)}.`,
        retryAfter(result.retryAfter),
      )
    },

    mfa: codeStep('mfa', 'That code is not valid. Try the current one.'),

    enrol: codeStep(
      'enrol',
      'That code is not valid. Check the time on your device and try again.',
    ),

    async continue(req, res, uid) {
      const result = await signIn.acknowledge(uid, clientIp(req))
      if (!result) return restart(res)
      if (result.kind === 'second-factor') return showSecondFactor(res, uid, result.pending)
      return finishLogin(req, res, result.login)
    },

    /** A passkey: the whole sign-in, or the second factor after the password. */
    async passkey(req, res, uid, form) {
      const result = await signIn.passkey(uid, clientIp(req), form.get('credential'))
      if (result.kind === 'signed-in') return finishLogin(req, res, result.login)
      if (result.kind === 'second-factor') return showSecondFactor(res, uid, result.pending)
      if (result.kind === 'ended') return ended(res)
      if (result.kind === 'expired') return restart(res)
      const message = 'That passkey could not be used. Try again, or use another way.'
      if (result.pending)
        return showSecondFactor(res, uid, result.pending, { status: 401, message })
      const details = await provider().interactionDetails(req, res)
      const client = await clientLabel(details.params.client_id)
      return sendHtml(
        res,
        401,
        loginPage({ ...ctxFor(uid, 'login'), client, error: message, passkey: passkeyForm(uid) }),
        SCRIPTED_CSP,
      )
    },

    async 'new-password'(req, res, uid, form) {
      const password = form.get('password') ?? ''
      if (password !== form.get('confirm')) {
        const pending = await signIn.pending(uid)
        if (pending?.stage !== 'new-password') return restart(res)
        return showSecondFactor(res, uid, pending, {
          status: 400,
          message: 'The two passwords differ.',
        })
      }
      const result = await signIn.newPassword(uid, clientIp(req), password)
      if (result.kind === 'expired') return restart(res)
      if (result.kind === 'weak')
        return showSecondFactor(res, uid, result.pending, { status: 400, message: result.message })
      return finishLogin(req, res, result.login)
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

  const show = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const details = await provider().interactionDetails(req, res)
    const client = await clientLabel(details.params.client_id)
    if (details.prompt.name === 'login') {
      const pending = await signIn.pending(uid)
      if (pending?.stage === 'ended') return ended(res)
      if (pending && pending.stage !== 'recovery-codes') return showSecondFactor(res, uid, pending)
      return sendHtml(
        res,
        200,
        loginPage({
          ...ctxFor(uid, 'login'),
          client,
          username: String(details.params.login_hint ?? '') || undefined,
          passkey: passkeyForm(uid),
        }),
        SCRIPTED_CSP,
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
      const form = await readForm(req, deps.maxBodyBytes)
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
