import { Html, html, layout } from './html.ts'
import { passkeyForm, passkeyScript } from './passkey_form.ts'

export interface FormContext {
  brand: string
  action: string
  csrf: string
}

const hidden = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`
const alert = (error?: string) => (error ? html`<p class="error" role="alert">${error}</p>` : '')

/** Where an interaction's passkey form posts and fetches its options. */
export interface PasskeyUrls {
  action: string
  options: string
}

export function loginPage(
  f: FormContext & { client: string; username?: string; error?: string; passkey: PasskeyUrls },
): string {
  return layout(
    f.brand,
    'Sign in',
    html`<p>to continue to <strong>${f.client}</strong></p>
${alert(f.error)}
<form method="post" action="${f.action}" autocomplete="on">
${hidden(f.csrf)}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required ${f.username ? '' : new Html('autofocus')} value="${f.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required ${f.username ? new Html('autofocus') : ''}>
<button type="submit">Sign in</button>
</form>
${passkeyForm({ ...f.passkey, csrf: f.csrf, label: 'Sign in with a passkey', ceremony: 'sign-in', secondary: true })}
${passkeyScript}`,
  )
}

export function mfaPage(
  f: FormContext & {
    factors: { totp: boolean; passkey: boolean }
    passkey: PasskeyUrls
    error?: string
  },
): string {
  const codeForm = html`<p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
${alert(f.error)}
<form method="post" action="${f.action}">
${hidden(f.csrf)}
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Verify</button>
</form>`
  const onlyPasskey = html`<p>Confirm it's you with your passkey.</p>
${alert(f.error)}
<noscript><p class="error">Your second factor is a passkey, which needs JavaScript in this browser.</p></noscript>`
  return layout(
    f.brand,
    'Two-step verification',
    html`${f.factors.totp ? codeForm : onlyPasskey}
${
  f.factors.passkey
    ? html`${passkeyForm({ ...f.passkey, csrf: f.csrf, label: 'Use a passkey', ceremony: 'sign-in', secondary: f.factors.totp })}
${passkeyScript}`
    : ''
}`,
  )
}

export function newPasswordPage(f: FormContext & { error?: string }): string {
  return layout(
    f.brand,
    'Choose a new password',
    html`<p>Your administrator asked you to choose a new password before you continue.</p>
${alert(f.error)}
<form method="post" action="${f.action}">
${hidden(f.csrf)}
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required autofocus>
<label for="confirm">New password, again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<button type="submit">Save and continue</button>
</form>`,
  )
}

export function enrolPage(
  f: FormContext & { qrDataUri: string; secret: string; error?: string },
): string {
  return layout(
    f.brand,
    'Set up two-step verification',
    html`<p>Your account requires a second factor. Scan this code with an authenticator app, then enter the 6-digit code it shows.</p>
<div class="qr"><img src="${f.qrDataUri}" alt="QR code for your authenticator app"></div>
<p>Can't scan? Enter this key: <code>${f.secret}</code></p>
${alert(f.error)}
<form method="post" action="${f.action}">
${hidden(f.csrf)}
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Turn on</button>
</form>`,
  )
}

export function recoveryCodesPage(f: FormContext & { codes: string[] }): string {
  return layout(
    f.brand,
    'Save your recovery codes',
    html`<p>Each code signs you in once if you lose your authenticator. They are shown only now.</p>
<div class="codes">${f.codes.map((c) => html`<span>${c}</span>`)}</div>
<form method="post" action="${f.action}">
${hidden(f.csrf)}
<button type="submit">I saved them — continue</button>
</form>`,
  )
}

export function consentPage(
  f: FormContext & { client: string; scopes: string[]; abort: string },
): string {
  return layout(
    f.brand,
    'Allow access?',
    html`<p><strong>${f.client}</strong> asks to:</p>
<ul class="scopes">${f.scopes.map((s) => html`<li>${s}</li>`)}</ul>
<form method="post" action="${f.action}">
${hidden(f.csrf)}
<button type="submit">Allow</button>
</form>
<form method="post" action="${f.abort}">
${hidden(f.csrf)}
<button type="submit" class="secondary">Deny</button>
</form>`,
  )
}

export function messagePage(brand: string, title: string, message: string): string {
  return layout(brand, title, html`<p>${message}</p>`)
}
