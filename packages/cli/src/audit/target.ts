import { header, type Reply, type Send } from './http.ts'
import { type AuditOptions, appPath } from './item.ts'
import { applySetCookies, type Cookie, cookieHeader } from './jar.ts'

/** The return address the open-redirect probe asks for: scheme-relative, a classic bypass. */
export const HOSTILE_RETURN_TO = '//evil.example/latchkey-audit'

const once = <T>(make: () => Promise<T>) => {
  let promise: Promise<T> | undefined
  return () => {
    promise ??= make()
    return promise
  }
}

const isRedirect = (reply: Reply) => reply.status >= 300 && reply.status < 400

export const locationOf = (reply: Reply): URL | undefined => {
  const location = header(reply, 'location')
  if (!isRedirect(reply) || !location) return undefined
  try {
    return new URL(location, reply.url)
  } catch {
    return undefined
  }
}

const jsonObject = (reply: Reply): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(reply.body)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * What the audit learns of a deployment without signing in, each fetched once and shared by
 * every check: the login redirect (and the authorization request in it), the IdP's discovery
 * document and JWKS, its login screen, the app's page, the "me" endpoint unauthenticated.
 */
export function deployment(options: AuditOptions, send: Send) {
  const loginRedirect = once(() => send(appPath(options, options.paths.login)))
  const authorizeUrl = once(async () => {
    const url = locationOf(await loginRedirect())
    return url?.searchParams.has('client_id') ? url : undefined
  })
  const issuer = once(async () => options.idp ?? (await authorizeUrl())?.origin)
  const discovery = once(async () => {
    const iss = await issuer()
    if (!iss) return undefined
    // OIDC Discovery §4: the document is at the issuer plus this path.
    const reply = await send(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`)
    const doc = reply.status === 200 ? jsonObject(reply) : undefined
    return doc ? { reply, doc } : undefined
  })
  const jwks = once(async () => {
    const uri = (await discovery())?.doc.jwks_uri
    if (typeof uri !== 'string') return undefined
    const reply = await send(uri)
    const keys = jsonObject(reply)?.keys
    return Array.isArray(keys) ? { reply, keys: keys as Record<string, unknown>[] } : undefined
  })
  const loginScreen = once(async () => {
    let url = await authorizeUrl()
    // The authorization endpoint usually redirects to its own login page: a few hops at most,
    // with the cookies it sets on the way (its interaction's state).
    let jar: Cookie[] = []
    for (let hop = 0; url && hop < 3; hop++) {
      const cookie = cookieHeader(jar, url.href)
      const reply = await send(url.href, cookie ? { headers: { cookie } } : {})
      if (reply.status === 200) return reply
      jar = applySetCookies(jar, reply.setCookies, url.href)
      const next = locationOf(reply)
      url = next && next.origin === url.origin ? next : undefined
    }
    return undefined
  })
  const returnToProbe = once(() => {
    const url = new URL(appPath(options, options.paths.login))
    url.searchParams.set(options.returnParam, HOSTILE_RETURN_TO)
    return send(url.href)
  })
  return {
    loginRedirect,
    returnToProbe,
    authorizeUrl,
    issuer,
    discovery,
    jwks,
    loginScreen,
    appPage: once(() => send(options.appUrl)),
    me: once(() => send(appPath(options, options.paths.me))),
  }
}

export type Deployment = ReturnType<typeof deployment>
