import { PASSKEY_SCRIPT } from '../passkeys/assets.ts'
import { type Html, html } from './html.ts'

/**
 * A passkey form: hidden, and shown by /assets/passkey.js only where the browser has
 * WebAuthn. The script asks `options` for the ceremony's options, runs it, puts the answer in
 * `credential` and posts the form to `action`. `register` forms carry their own fields
 * (the passkey's name) before the button.
 */
export function passkeyForm(f: {
  action: string
  options: string
  csrf: string
  label: string
  ceremony: 'sign-in' | 'register'
  fields?: Html
  secondary?: boolean
}): Html {
  return html`<form method="post" action="${f.action}" data-passkey="${f.ceremony}" hidden>
<input type="hidden" name="csrf" value="${f.csrf}">
<input type="hidden" name="credential" value="">
${f.fields}
<button type="button" data-options="${f.options}" ${f.secondary ? html`class="secondary"` : ''}>${f.label}</button>
<p class="error" role="alert" data-status hidden></p>
</form>`
}

/** The script tag of the pages that hold a passkey form (its own file: no inline script). */
export const passkeyScript = html`<script src="${PASSKEY_SCRIPT}" defer></script>`
