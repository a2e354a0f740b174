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
