import { html } from '../screens/html.ts'
import { CONSOLE_CLIENT } from './console_session.ts'
import type { ConsoleDeps, ConsoleRequest, ConsoleSection } from './context.ts'
import { consoleForm, consolePage, when } from './pages.ts'

/**
 * `/account/devices`, "My sessions": the IdP's sessions of this account — browser, when
 * signed in, when last active, the apps each one reached — and signing one of them, or every
 * other one, out (their grants revoked, back-channel logout sent to each app).
 */
export function devicesSection({ sessions, clients, audit }: ConsoleDeps): ConsoleSection {
  const appName = async (id: string) =>
    id === CONSOLE_CLIENT ? 'Your account' : ((await clients.find(id))?.name ?? id)
  const render = async (r: ConsoleRequest, status = 200) => {
    const list = await sessions.list(r.user.account.id)
    list.sort((a, b) => Number(b.id === r.user.sessionUid) - Number(a.id === r.user.sessionUid))
    const items = await Promise.all(
      list.map(async (s) => {
        const apps = await Promise.all(s.clients.map(appName))
        const current = s.id === r.user.sessionUid
        return html`<li data-session="${s.id}"><div><strong>${s.userAgent ?? 'Unknown browser'}</strong>${current ? html` <span class="tag">this browser</span>` : ''}<br>
<small>signed in ${when(s.createdAt)} · active ${when(s.lastSeenAt)}</small><br>
<small>apps: ${apps.join(', ') || 'none'}</small></div>
${current ? '' : consoleForm('/account/devices/revoke', r.page.csrf, html`<input type="hidden" name="id" value="${s.id}"><button type="submit" class="small danger">Sign out</button>`)}</li>`
      }),
    )
    const others = list.length > 1
    r.send(
      status,
      consolePage(
        r.page,
        '/account/devices',
        'My sessions',
        html`<ul class="items">${items}</ul>
${others ? consoleForm('/account/devices/revoke-others', r.page.csrf, html`<button type="submit" class="secondary">Sign out every other session</button>`) : ''}`,
      ),
    )
  }
  return {
    show: (r) => render(r),
    actions: {
      revoke: {
        weakens: false,
        async run(r) {
          const { id } = r.user.account
          const session = r.form.get('id') ?? ''
          if (session === r.user.sessionUid || !(await sessions.endOne(id, session))) {
            r.page.error = 'No such session.'
            return render(r, 404)
          }
          audit('session.revoked_by_user', { accountId: id, session, via: 'console' })
          r.done('/account/devices', 'session-ended')
        },
      },
      'revoke-others': {
        weakens: false,
        async run(r) {
          const { id } = r.user.account
          const ended = await sessions.endOthers(id, r.user.sessionUid)
          audit('session.others_revoked_by_user', { accountId: id, ended })
          r.done('/account/devices', 'others-ended')
        },
      },
    },
  }
}
