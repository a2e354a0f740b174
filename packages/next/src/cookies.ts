/**
 * The Cookie header a request would carry after a response's Set-Cookie headers (RFC 6265
 * §5.3–5.4, reduced to what one origin's own cookies need): a cookie is replaced or added when
 * its Path covers `path`, and dropped when it is expired (`Max-Age` ≤ 0). Lets a render see
 * the cookies a refresh just set, as the browser will send them on its next request.
 */
export function cookieHeaderAfter(
  cookieHeader: string | null,
  setCookies: string[],
  path: string,
): string {
  const jar = new Map<string, string>()
  for (const pair of (cookieHeader ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  for (const line of setCookies) {
    const [nameValue = '', ...attributes] = line.split(';')
    const eq = nameValue.indexOf('=')
    if (eq <= 0) continue
    const name = nameValue.slice(0, eq).trim()
    const attribute = (key: string) =>
      attributes
        .map((a) => a.trim())
        .find((a) => a.toLowerCase().startsWith(`${key}=`))
        ?.slice(key.length + 1)
    const cookiePath = attribute('path') ?? '/'
    // RFC 6265 §5.1.4: the cookie's path must be a prefix of the request's, on a '/' boundary.
    const covers =
      path === cookiePath ||
      (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'))
    if (!covers) continue
    const maxAge = attribute('max-age')
    if (maxAge !== undefined && Number(maxAge) <= 0) jar.delete(name)
    else jar.set(name, nameValue.slice(eq + 1).trim())
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}
