import QRCode from 'qrcode'
import { html } from '../screens/html.ts'
import type { ConsoleDeps, ConsoleRequest, ConsoleSection } from './context.ts'
import { consoleForm, consolePage } from './pages.ts'

/** A TOTP secret being enrolled, per console session, until its first code confirms it. */
const ENROLLING = 'console:totp'
const ENROLLING_TTL = 600

/**
 * `/account/two-step`: an authenticator app (TOTP, RFC 6238) turned on — a secret shown as a
 * QR code, active once a code from it is entered — or off, and new recovery codes. Each of
 * them changes how the account can be entered, so each needs a recent sign-in.
 */
export function twoStepSection({ accounts, ephemeral, audit }: ConsoleDeps): ConsoleSection {
  const title = 'Two-step verification'
  const render = async (r: ConsoleRequest, status = 200) => {
    const enrolled = r.user.account.totpEnrolled
    const body = enrolled
      ? html`<p>An authenticator app is on: after your password you enter the code it shows, or one of your recovery codes.</p>
${consoleForm('/account/two-step/recovery-codes', r.page.csrf, html`<button type="submit" class="secondary">New recovery codes</button>`)}
${consoleForm('/account/two-step/remove', r.page.csrf, html`<button type="submit" class="danger">Remove the authenticator app</button>`)}`
      : html`<p>Add an authenticator app: after your password you will enter the 6-digit code it shows.</p>
${consoleForm('/account/two-step/begin', r.page.csrf, html`<button type="submit">Set up an authenticator app</button>`)}`
    r.send(status, consolePage(r.page, '/account/two-step', title, body))
  }
  const codesPage = (r: ConsoleRequest, codes: string[]) =>
    r.send(
      200,
      consolePage(
        r.page,
        '/account/two-step',
        'Save your recovery codes',
        html`<p>Each code signs you in once if you lose your authenticator. They are shown only now; the old ones no longer work.</p>
<div class="codes">${codes.map((c) => html`<span>${c}</span>`)}</div>
<p><a class="button" href="/account/two-step">I saved them</a></p>`,
      ),
    )
  const enrolPage = async (r: ConsoleRequest, secret: string, url: string, status = 200) => {
    const qr = await QRCode.toDataURL(url, { margin: 1, width: 200 })
    r.send(
      status,
      consolePage(
        r.page,
        '/account/two-step',
        'Set up an authenticator app',
        html`<p>Scan this code with an authenticator app, then enter the 6-digit code it shows.</p>
<div class="qr"><img src="${qr}" alt="QR code for your authenticator app"></div>
<p>Can't scan? Enter this key: <code>${secret}</code></p>
${consoleForm(
  '/account/two-step/confirm',
  r.page.csrf,
  html`<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Turn on</button>`,
)}`,
      ),
    )
  }
  return {
    show: (r) => render(r),
    actions: {
      begin: {
        weakens: true,
        async run(r) {
          if (r.user.account.totpEnrolled) return render(r)
          const { secret, otpauthUrl } = accounts.beginTotp(r.user.account)
          await ephemeral.set(
            ENROLLING,
            r.user.sessionUid,
            { secret, otpauthUrl },
            { ttl: ENROLLING_TTL },
          )
          await enrolPage(r, secret, otpauthUrl)
        },
      },
      confirm: {
        weakens: true,
        async run(r) {
          const { id } = r.user.account
          const enrolling = await ephemeral.get<{ secret: string; otpauthUrl: string }>(
            ENROLLING,
            r.user.sessionUid,
          )
          if (!enrolling) {
            r.page.error = 'That set-up expired. Start again.'
            return render(r, 400)
          }
          const codes = await accounts.confirmTotp(id, enrolling.secret, r.form.get('code') ?? '')
          if (!codes) {
            r.page.error = 'That code is not valid. Check the time on your device and try again.'
            return enrolPage(r, enrolling.secret, enrolling.otpauthUrl, 401)
          }
          await ephemeral.delete(ENROLLING, r.user.sessionUid)
          audit('mfa.enrolled', { accountId: id, via: 'console' })
          r.page.notice = 'Two-step verification with an authenticator app is on.'
          codesPage(r, codes)
        },
      },
      remove: {
        weakens: true,
        async run(r) {
          await accounts.removeTotp(r.user.account.id)
          audit('mfa.removed', { accountId: r.user.account.id, via: 'console' })
          r.done('/account/two-step', 'totp-off')
        },
      },
      'recovery-codes': {
        weakens: true,
        async run(r) {
          const codes = await accounts.regenerateRecoveryCodes(r.user.account.id)
          if (!codes) return render(r, 409)
          audit('mfa.recovery_codes_regenerated', { accountId: r.user.account.id })
          codesPage(r, codes)
        },
      },
    },
  }
}
