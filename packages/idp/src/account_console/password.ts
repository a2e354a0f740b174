import { AccountError } from '../accounts/accounts.ts'
import { html } from '../screens/html.ts'
import type { ConsoleDeps, ConsoleRequest, ConsoleSection } from './context.ts'
import { consoleForm, consolePage } from './pages.ts'

/**
 * `/account/password`: a new password, given the current one (ASVS 5.0 V6.2.3), under the
 * same policy as any password (8 to 128 characters, not a common one), stored with argon2id.
 * The user's other sessions end with it unless they choose otherwise (ASVS 5.0 V7.4.3).
 */
export function passwordSection({ accounts, sessions, audit }: ConsoleDeps): ConsoleSection {
  const render = (r: ConsoleRequest, status = 200) =>
    r.send(
      status,
      consolePage(
        r.page,
        '/account/password',
        'Change your password',
        consoleForm(
          '/account/password/change',
          r.page.csrf,
          html`<input type="text" name="username" autocomplete="username" value="${r.user.account.username}" hidden>
<label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<label for="confirm">New password, again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<label class="check"><input type="checkbox" name="sign-out-others" value="yes" checked> Sign out my other sessions</label>
<button type="submit">Change password</button>`,
        ),
      ),
    )
  return {
    show: (r) => Promise.resolve(render(r)),
    actions: {
      change: {
        weakens: true,
        async run(r) {
          const { id } = r.user.account
          const next = r.form.get('password') ?? ''
          if (next !== r.form.get('confirm')) {
            r.page.error = 'The two new passwords differ.'
            return render(r, 400)
          }
          try {
            await accounts.changePassword(id, r.form.get('current') ?? '', next)
          } catch (error) {
            if (!(error instanceof AccountError)) throw error
            audit('password.change_refused', { accountId: id, reason: error.code })
            r.page.error = error.message
            return render(r, error.code === 'wrong_password' ? 401 : 400)
          }
          const ended =
            r.form.get('sign-out-others') === 'yes'
              ? await sessions.endOthers(id, r.user.sessionUid)
              : 0
          audit('password.changed', { accountId: id, otherSessionsEnded: ended })
          r.done('/account/password', 'password')
        },
      },
    },
  }
}
