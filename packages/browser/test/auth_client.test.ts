import axios from 'axios'
import { describe, expect, it, vi } from 'vitest'
import { withLatchkey } from '../src/axios.ts'
import { createAuthClient } from '../src/index.ts'

const API = 'http://api.test'

/**
 * A scripted backend: the access "cookie" is a generation number; /auth/refresh bumps it.
 * Requests with a stale generation get 401 token_expired, as an expired access cookie would.
 */
function scriptedBackend(options: { refreshFails?: boolean; expired?: boolean } = {}) {
  let generation = options.expired ? 0 : 1
  const calls: {
    url: string
    method: string
    csrf: string | null
    credentials?: RequestCredentials
    body: string | null
  }[] = []
  let refreshes = 0
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input instanceof Request ? input.url : input)
    const method = init.method ?? 'GET'
    calls.push({
      url,
      method,
      csrf: new Headers(init.headers).get('x-csrf-token'),
      credentials: init.credentials,
      body: init.body == null ? null : await new Response(init.body).text(),
    })
    const path = new URL(url).pathname
    const sent = generation // the "cookie" the request carries
    await new Promise((resolve) => setTimeout(resolve, path === '/slow' ? 60 : 5))
    if (path === '/auth/refresh') {
      refreshes++
      if (options.refreshFails) return json(401, { error: 'unauthenticated', message: 'sign in' })
      generation++
      return json(200, { expiresAt: 2_000_000_000 + generation, csrfToken: `csrf-${generation}` })
    }
    if (sent === 0) return json(401, { error: 'token_expired', message: 'expired' })
    if (path === '/auth/me')
      return json(200, {
        user: { sub: 'u1', name: 'Alice', email: null, roles: ['USER'] },
        expiresAt: 1,
        csrfToken: 'csrf-me',
      })
    if (path === '/forbidden') return json(401, { error: 'invalid_token', message: 'revoked' })
    return json(200, { ok: true, path })
  }
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    refreshes: () => refreshes,
    expire: () => (generation = 0),
  }
}

describe('createAuthClient', () => {
  it('shares one refresh between many concurrent token_expired answers, and retries each once', async () => {
    const backend = scriptedBackend({ expired: true })
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => auth.fetch(`${API}/api/items/${i}`)),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(backend.refreshes()).toBe(1)
  })

  it('retries, without a second refresh, a request that failed with the cookie a refresh replaced', async () => {
    const backend = scriptedBackend({ expired: true })
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    // The slow answer arrives after the fast one's refresh has finished.
    const slow = auth.fetch(`${API}/slow`)
    const fast = await auth.fetch(`${API}/api/items`)
    expect(fast.status).toBe(200)
    expect((await slow).status).toBe(200)
    expect(backend.refreshes()).toBe(1)
  })

  it('sends cookies and the CSRF header on unsafe methods only, to its own origin', async () => {
    const backend = scriptedBackend()
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    await auth.me() // hands over the CSRF token in the body, as a cross-origin API does
    await auth.fetch(`${API}/api/items`, { method: 'POST', body: '{}' })
    await auth.fetch(`${API}/api/items`)
    const [me, post, get] = backend.calls
    expect(me?.credentials).toBe('include')
    expect(post).toMatchObject({ method: 'POST', csrf: 'csrf-me', credentials: 'include' })
    expect(get).toMatchObject({ method: 'GET', csrf: null })
  })

  it('sends a Request object with its own method, headers and body, again after a refresh', async () => {
    const backend = scriptedBackend()
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    await auth.me()
    backend.expire()
    const request = new Request(`${API}/api/items`, {
      method: 'POST',
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/json' },
    })
    expect((await auth.fetch(request)).status).toBe(200)
    const posts = backend.calls.filter((c) => c.url.endsWith('/api/items'))
    expect(posts).toHaveLength(2) // token_expired, then the retry after the refresh
    for (const post of posts)
      expect(post).toMatchObject({ method: 'POST', body: '{"name":"x"}', credentials: 'include' })
    expect(posts[1]?.csrf).toMatch(/^csrf-/)
  })

  it.each([
    ['__Host-csrf_token', 'the default attributes'],
    ['__Secure-csrf_token', 'cookies.domain set'],
    ['csrf_token', 'secure off'],
  ])('reads the CSRF cookie by the name the server gives it (%s, %s)', async (name) => {
    const backend = scriptedBackend()
    // A same-origin page (a BFF) that has not called /auth/me: only the cookie has the token.
    // A look-alike for a parent domain comes first in document.cookie and must not win.
    const planted = name === 'csrf_token' ? '' : 'csrf_token=planted; '
    vi.stubGlobal('document', { cookie: `${planted}${name}=from-cookie; other=1` })
    try {
      const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
      await auth.fetch(`${API}/api/items`, { method: 'POST', body: '{}' })
      expect(backend.calls[0]).toMatchObject({ method: 'POST', csrf: 'from-cookie' })
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('refreshes only for token_expired: another 401 is final and ends the session', async () => {
    const backend = scriptedBackend()
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    await auth.me()
    const events: string[] = []
    auth.onChange((event) => events.push(event.type))
    const response = await auth.fetch(`${API}/forbidden`)
    expect(response.status).toBe(401)
    expect(backend.refreshes()).toBe(0)
    expect(events).toEqual(['session-ended'])
    expect(auth.state.status).toBe('signed-out')
  })

  it('never refreshes for, or sends credentials to, a foreign origin', async () => {
    const backend = scriptedBackend({ expired: true })
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    const response = await auth.fetch('http://elsewhere.test/data')
    expect(response.status).toBe(401)
    expect(backend.refreshes()).toBe(0)
    expect(backend.calls[0]?.credentials).toBeUndefined()
  })

  it('stops after the retry cap when refreshed tokens keep failing, and signs out when refresh fails', async () => {
    const backend = scriptedBackend({ expired: true, refreshFails: true })
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    const response = await auth.fetch(`${API}/api/items`)
    expect(response.status).toBe(401)
    expect(backend.refreshes()).toBe(1)
    expect(auth.state.status).toBe('signed-out')
  })

  it('emits signed-in and refreshed, and logs out with the CSRF header, then follows the logout URL', async () => {
    const backend = scriptedBackend()
    const visited: string[] = []
    const auth = createAuthClient({
      baseUrl: API,
      fetch: backend.fetch,
      navigate: (url) => visited.push(url),
    })
    const events: string[] = []
    auth.onChange((event) => events.push(event.type))
    expect(await auth.me()).toMatchObject({ name: 'Alice' })
    backend.expire()
    await auth.fetch(`${API}/api/items`)
    auth.login('/dashboard?tab=1')
    expect(visited[0]).toBe(`${API}/auth/login?returnTo=%2Fdashboard%3Ftab%3D1`)
    await auth.logout()
    expect(backend.calls.at(-1)).toMatchObject({
      method: 'POST',
      url: `${API}/auth/logout`,
      csrf: 'csrf-1',
    })
    expect(events).toEqual(['signed-in', 'refreshed', 'signed-out'])
  })

  it('leaves for the IdP logout even when a signed-out page asks to sign in again', async () => {
    const logoutUrl = 'http://idp.test/session/end?id_token_hint=x'
    const fetch = async (input: RequestInfo | URL) =>
      new URL(String(input)).pathname === '/auth/logout'
        ? Response.json({ logoutUrl })
        : Response.json({ user: { sub: 'u1', name: null, email: null, roles: [] }, expiresAt: 1 })
    const visited: string[] = []
    const auth = createAuthClient({ baseUrl: API, fetch, navigate: (url) => visited.push(url) })
    await auth.me()
    // What <RequireAuth> does when the state turns signed-out.
    auth.onChange((_event, state) => {
      if (state.status === 'signed-out') auth.login()
    })
    await auth.logout()
    auth.login()
    expect(visited).toEqual([logoutUrl])
  })

  it('routes axios through the same client: one refresh for concurrent axios calls', async () => {
    const backend = scriptedBackend({ expired: true })
    const auth = createAuthClient({ baseUrl: API, fetch: backend.fetch })
    const api = withLatchkey(axios.create({ baseURL: API }), auth)
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.get(`/api/items/${i}`)),
    )
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(200))
    expect(backend.refreshes()).toBe(1)
  })
})
