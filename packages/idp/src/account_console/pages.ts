import { type Html, html, layout } from '../screens/html.ts'

/** What every console page needs: the brand, the user's name, the form token. */
export interface ConsolePage {
  brand: string
  username: string
  csrf: string
  /** A message after a change (fixed texts only, chosen by key). */
  notice?: string
  error?: string
}

const SECTIONS = [
  ['/account', 'Profile'],
  ['/account/password', 'Password'],
  ['/account/two-step', 'Two-step'],
  ['/account/passkeys', 'Passkeys'],
  ['/account/devices', 'My sessions'],
] as const

export type Section = (typeof SECTIONS)[number][0]

const nav = (current: Section) =>
  html`<nav class="tabs" aria-label="Account">${SECTIONS.map(
    ([href, label]) =>
      html`<a href="${href}" ${href === current ? html`aria-current="page"` : ''}>${label}</a>`,
  )}</nav>`

/** A console page: the section tabs, any notice or error, the section's body. */
export function consolePage(
  p: ConsolePage,
  current: Section,
  title: string,
  body: Html,
  extra?: Html,
): string {
  return layout(
    p.brand,
    title,
    html`<p class="who">Signed in as <strong>${p.username}</strong> · <a href="/session/end">Sign out</a></p>
${nav(current)}
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${p.error ? html`<p class="error" role="alert">${p.error}</p>` : ''}
${body}
${extra}`,
  )
}

/** A form that posts to the console with its token; `body` holds fields and the button. */
export const consoleForm = (action: string, csrf: string, body: Html) =>
  html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
${body}
</form>`

/** A change that weakens the account asked for a recent sign-in. */
export function stepUpPage(brand: string, signInUrl: string): string {
  return layout(
    brand,
    'Confirm it’s you',
    html`<p>This change needs a recent sign-in. Sign in again, then make the change.</p>
<p><a class="button" href="${signInUrl}">Sign in again</a></p>`,
  )
}

export const when = (iso: string | null) =>
  iso ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'never'
