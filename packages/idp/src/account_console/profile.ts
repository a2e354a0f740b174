import { AccountError } from '../accounts/accounts.ts'
import { html } from '../screens/html.ts'
import type { ConsoleDeps, ConsoleRequest, ConsoleSection } from './context.ts'
import { consoleForm, consolePage } from './pages.ts'

/** `/account`: who the user is; their display name and email are theirs to change. */
export function profileSection({ accounts, audit }: ConsoleDeps): ConsoleSection {
  const render = (r: ConsoleRequest, status = 200, fields = r.user.account) =>
    r.send(
      status,
      consolePage(
        r.page,
        '/account',
        'Your account',
        consoleForm(
          '/account/profile/save',
          r.page.csrf,
          html`<label for="username">Username</label>
<input id="username" type="text" value="${r.user.account.username}" readonly>
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" required value="${fields.name}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" value="${fields.email}">
<button type="submit">Save</button>`,
        ),
      ),
    )
  return {
    show: (r) => Promise.resolve(render(r)),
    actions: {
      save: {
        weakens: false,
        async run(r) {
          const profile = { name: r.form.get('name') ?? '', email: r.form.get('email') ?? '' }
          try {
            await accounts.updateProfile(r.user.account.id, profile)
          } catch (error) {
            if (!(error instanceof AccountError)) throw error
            r.page.error = error.message
            return render(r, 400, { ...r.user.account, ...profile })
          }
          audit('account.profile_changed', { accountId: r.user.account.id })
          r.done('/account', 'profile')
        },
      },
    },
  }
}
