/** Escapes text for HTML element content and double-quoted attribute values. */
function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** A template tag that escapes every interpolated value unless it is already `Html`. */
export class Html {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return this.value
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    const rendered = Array.isArray(value) ? value.map(render).join('') : render(value)
    out += rendered + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

const render = (value: unknown) =>
  value instanceof Html ? value.value : value === false || value == null ? '' : escapeHtml(value)

/**
 * Headers every IdP page carries: no caching of pages holding session state or form tokens,
 * no framing (clickjacking, ASVS 5.0 V3.4.6), and a CSP that allows no script at all.
 * No `form-action`: Chromium applies it to the redirects after a form post too, and a login
 * post ends in a redirect to the client's (exactly registered) redirect URI.
 */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const

export function layout(brand: string, title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${brand}</title>
<link rel="stylesheet" href="/assets/latchkey.css">
</head>
<body>
<main class="card">
<header class="brand"><span class="logo" aria-hidden="true">◆</span> ${brand}</header>
<h1>${title}</h1>
${body}
</main>
<footer>Secured by Latchkey</footer>
</body>
</html>`.value
}
