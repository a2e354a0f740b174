import type { errors, KoaContextWithOIDC } from 'oidc-provider'
import { Html, html, layout } from './html.ts'

// The pages oidc-provider renders itself (errors, logout confirmation), in our layout. Their
// security headers are already on the response (security_headers.ts).

const send = (ctx: KoaContextWithOIDC, body: string) => {
  ctx.type = 'html'
  ctx.body = body
}

export function renderError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
  _error: errors.OIDCProviderError | Error,
  brand: string,
): void {
  // Never echo internals: only the OAuth error code and its public description.
  send(
    ctx,
    layout(
      brand,
      'Something went wrong',
      html`<p class="error" role="alert"><code>${out.error}</code></p><p>${out.error_description ?? ''}</p>`,
    ),
  )
}

export function renderLogout(ctx: KoaContextWithOIDC, form: string, brand: string): void {
  send(
    ctx,
    layout(
      brand,
      'Sign out?',
      html`<p>Sign out of ${brand} and of every app you signed in to with it.</p>
${new Html(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
    ),
  )
}

export function renderLoggedOut(ctx: KoaContextWithOIDC, brand: string): void {
  send(
    ctx,
    layout(brand, 'Signed out', html`<p>You are signed out. You can close this window.</p>`),
  )
}
