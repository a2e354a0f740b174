import { html } from '../screens/html.ts'
import { passkeyForm, passkeyScript } from '../screens/passkey_form.ts'
import type { ConsoleDeps, ConsoleRequest, ConsoleSection } from './context.ts'
import { consoleForm, consolePage, when } from './pages.ts'

/** Where the console's registration ceremony keeps its challenge: the console session. */
export const registrationPlace = (sessionUid: string) => `console:${sessionUid}`

/**
 * `/account/passkeys`: the user's passkeys — name, when added, when last used — a new one
 * registered (WebAuthn, through /assets/passkey.js), one removed.
 */
export function passkeysSection({ passkeys, registration, audit }: ConsoleDeps): ConsoleSection {
  const render = async (r: ConsoleRequest, status = 200) => {
    const list = await passkeys.list(r.user.account.id)
    const items = list.map(
      (
        p,
      ) => html`<li><div><strong>${p.name}</strong><br><small>added ${p.createdAt.slice(0, 10)} · last used ${when(p.lastUsedAt)}</small></div>
${consoleForm('/account/passkeys/remove', r.page.csrf, html`<input type="hidden" name="id" value="${p.id}"><button type="submit" class="small danger" aria-label="Remove ${p.name}">Remove</button>`)}</li>`,
    )
    const add = passkeyForm({
      action: '/account/passkeys/add',
      options: '/account/passkeys/options',
      csrf: r.page.csrf,
      label: 'Add a passkey',
      ceremony: 'register',
      fields: html`<label for="passkey-name">Name of the new passkey</label>
<input id="passkey-name" name="name" type="text" maxlength="64" required placeholder="e.g. Laptop">`,
    })
    r.send(
      status,
      consolePage(
        r.page,
        '/account/passkeys',
        'Passkeys',
        html`<p>A passkey signs you in with your device's screen lock, with no password, and serves as the second step after a password.</p>
${list.length ? html`<ul class="items">${items}</ul>` : html`<p><em>No passkeys yet.</em></p>`}
${r.recent ? add : html`<p>To add a passkey, <a href="/account/sign-in?fresh=1&amp;return=/account/passkeys">sign in again</a> first.</p>`}
<noscript><p>Adding a passkey needs JavaScript in this browser.</p></noscript>`,
        passkeyScript,
      ),
    )
  }
  return {
    show: (r) => render(r),
    actions: {
      add: {
        weakens: true,
        async run(r) {
          const { id } = r.user.account
          const name = (r.form.get('name') ?? '').trim().slice(0, 64) || 'Passkey'
          const result = await registration.verify(
            id,
            registrationPlace(r.user.sessionUid),
            r.form.get('credential'),
            name,
          )
          if (result.kind !== 'registered') {
            audit('passkey.registration_failed', { accountId: id, reason: result.kind })
            r.page.error =
              result.kind === 'duplicate'
                ? 'That passkey is registered already.'
                : 'The passkey could not be added. Try again.'
            return render(r, 400)
          }
          audit('passkey.registered', { accountId: id, passkey: result.id })
          r.done('/account/passkeys', 'passkey-added')
        },
      },
      remove: {
        weakens: true,
        async run(r) {
          const { id } = r.user.account
          const passkey = r.form.get('id') ?? ''
          if (!(await passkeys.remove(id, passkey))) {
            r.page.error = 'No such passkey.'
            return render(r, 404)
          }
          audit('passkey.removed', { accountId: id, passkey, via: 'console' })
          r.done('/account/passkeys', 'passkey-removed')
        },
      },
    },
  }
}
