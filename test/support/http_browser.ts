/**
 * A cookie-keeping HTTP user agent for tests that drive login flows without a real browser:
 * it follows redirects by hand and sends a cookie only to paths under its `Path`, as browsers
 * do (RFC 6265 §5.1.4) — so a refresh cookie scoped to /auth/refresh stays there.
 */
export class HttpBrowser {
  readonly jar = new Map<string, { value: string; path: string }>()
  /** Every Set-Cookie line received, attributes included. */
  readonly setCookies: string[] = []

  /** `send`: how requests go out, e.g. from a loopback address of the test's choosing. */
  private readonly send: typeof fetch

  constructor(send: typeof fetch = (input, init) => fetch(input, init)) {
    this.send = send
  }

  get cookies(): Map<string, string> {
    return new Map([...this.jar].map(([name, c]) => [name, c.value]))
  }

  cookieHeader(url: string): string {
    const path = new URL(url).pathname
    return [...this.jar]
      .filter(
        ([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ')
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookie = this.cookieHeader(url)
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
    const response = await this.send(url, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      this.setCookies.push(line)
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/'
      if (/^max-age=0$/im.test(attributes.join('\n')) || value === '') this.jar.delete(name)
      else this.jar.set(name, { value, path })
    }
    return response
  }

  /** Follows redirects until a response is not a redirect or leaves for `stopAt`. */
  async follow(
    url: string,
    stopAt?: string,
    init?: RequestInit,
  ): Promise<{ url: string; response: Response }> {
    let current = url
    let response = await this.request(current, init)
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      current = new URL(response.headers.get('location') ?? '', current).href
      if (stopAt && current.startsWith(stopAt)) return { url: current, response }
      response = await this.request(current)
    }
    return { url: current, response }
  }

  /** Submits the first POST form of a page with its CSRF field and the given fields. */
  async submit(
    page: { url: string; response: Response },
    fields: Record<string, string>,
    stopAt?: string,
  ) {
    const html = await page.response.text()
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]
    if (!action || !csrf) throw new Error(`no form on ${page.url}: ${html.slice(0, 200)}`)
    return this.follow(new URL(action, page.url).href, stopAt, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, ...fields }),
    })
  }
}
