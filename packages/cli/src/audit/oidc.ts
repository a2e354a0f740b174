import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { type Check, describe, fail, notCheckable, pass, verdict } from './item.ts'
import { HOSTILE_RETURN_TO, locationOf } from './target.ts'

const list = (doc: Record<string, unknown>, name: string): string[] => {
  const value = doc[name]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

const NO_DISCOVERY = 'no discovery document (give --idp, or the app must redirect to its IdP)'

export const pkce: Check = {
  id: 'oidc.pkce',
  family: 'oidc',
  title: 'PKCE with S256 is required (RFC 9700 §2.1.1)',
  fix: 'Require PKCE with S256 for every client at the IdP, advertise only S256 in code_challenge_methods_supported, and send code_challenge_method=S256 from the app.',
  async run(ctx) {
    const found = await ctx.deployment.discovery()
    const authorize = await ctx.deployment.authorizeUrl()
    if (!found) return notCheckable(NO_DISCOVERY)
    const failures: string[] = []
    const methods = list(found.doc, 'code_challenge_methods_supported')
    const advertised = `code_challenge_methods_supported: ${JSON.stringify(found.doc.code_challenge_methods_supported ?? null)}`
    if (!methods.includes('S256') || methods.includes('plain')) failures.push(advertised)
    if (!authorize) return verdict(failures, [advertised])
    const method = authorize.searchParams.get('code_challenge_method')
    if (method !== 'S256')
      failures.push(`the app's authorization request has code_challenge_method=${method ?? 'none'}`)
    // The same request without its challenge: the IdP must refuse it, up front or with an
    // error sent back to the client (RFC 6749 §4.1.2.1), never carry on to its login screen.
    const bare = new URL(authorize)
    bare.searchParams.delete('code_challenge')
    bare.searchParams.delete('code_challenge_method')
    const reply = await ctx.send(bare.href)
    const back = locationOf(reply)
    const refused =
      (reply.status >= 400 && reply.status < 500) ||
      (back !== undefined &&
        back.origin !== bare.origin &&
        (back.searchParams.has('error') || new URLSearchParams(back.hash.slice(1)).has('error')))
    const probe = `without code_challenge: ${describe(reply, ['location'])}`
    if (!refused) failures.push(`${probe} (not refused)`)
    return verdict(failures, [advertised, `app sends code_challenge_method=S256`, probe])
  },
}

export const grants: Check = {
  id: 'oidc.grants',
  family: 'oidc',
  title: 'No implicit or password grant (RFC 9700 §2.1.2, §2.4)',
  fix: 'Turn off the implicit and resource-owner password grants and every response type that returns an access token in the front channel.',
  async run(ctx) {
    const found = await ctx.deployment.discovery()
    if (!found) return notCheckable(NO_DISCOVERY)
    const grantTypes = list(found.doc, 'grant_types_supported')
    const responseTypes = list(found.doc, 'response_types_supported')
    const failures = [
      ...grantTypes
        .filter((g) => g === 'implicit' || g === 'password')
        .map((g) => `grant_types_supported has ${g}`),
      ...responseTypes
        .filter((r) => r.split(' ').includes('token'))
        .map((r) => `response_types_supported has "${r}" (an access token in the URL)`),
    ]
    return verdict(failures, [
      `grant_types_supported: ${JSON.stringify(grantTypes)}`,
      `response_types_supported: ${JSON.stringify(responseTypes)}`,
    ])
  },
}

// RFC 8725 §3.1/§3.2: asymmetric signatures only, from keys the world can check.
const ASYMMETRIC = /^(ES(256|384|512)|RS(256|384|512)|PS(256|384|512)|EdDSA|Ed25519|Ed448)$/

export const algorithms: Check = {
  id: 'oidc.algorithms',
  family: 'oidc',
  title: 'Tokens are signed with asymmetric algorithms only',
  fix: 'Sign ID and access tokens with ES256 (or RS256/PS256/EdDSA); never advertise none or HS*.',
  async run(ctx) {
    const found = await ctx.deployment.discovery()
    if (!found) return notCheckable(NO_DISCOVERY)
    const fields = Object.keys(found.doc).filter((k) =>
      /^(id_token|userinfo|authorization|introspection)_signing_alg_values_supported$/.test(k),
    )
    if (!fields.includes('id_token_signing_alg_values_supported'))
      return fail('id_token_signing_alg_values_supported is missing (OIDC Discovery §3)')
    const failures = fields.flatMap((k) =>
      list(found.doc, k)
        .filter((alg) => !ASYMMETRIC.test(alg))
        .map((alg) => `${k} has ${alg}`),
    )
    return verdict(
      failures,
      fields.map((k) => `${k}: ${JSON.stringify(found.doc[k])}`),
    )
  },
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** What is wrong with one published key, if anything (RFC 7517, RFC 7518 §6, NIST SP 800-57). */
function keyProblem(jwk: Record<string, unknown>): string | undefined {
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk)
  if (secret.length > 0) return `publishes private members ${secret.join(', ')}`
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return 'has no kid'
  if (jwk.kty === 'EC')
    return ['P-256', 'P-384', 'P-521'].includes(String(jwk.crv)) ? undefined : `curve ${jwk.crv}`
  if (jwk.kty === 'OKP')
    return ['Ed25519', 'Ed448'].includes(String(jwk.crv)) ? undefined : `curve ${jwk.crv}`
  if (jwk.kty === 'RSA') {
    try {
      const bits = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails
        ?.modulusLength
      return (bits ?? 0) >= 2048 ? undefined : `RSA key of ${bits} bits`
    } catch {
      return 'an RSA key that does not parse'
    }
  }
  return `key type ${jwk.kty}`
}

export const jwks: Check = {
  id: 'oidc.jwks',
  family: 'oidc',
  title: 'The JWKS publishes public keys only, of strong types and sizes',
  fix: 'Publish only public members (no d, p, q, k…), each key with a kid, EC P-256+ / RSA 2048+ / Ed25519.',
  async run(ctx) {
    const found = await ctx.deployment.jwks()
    if (!found) return notCheckable('no JWKS (no jwks_uri in discovery, or no keys array there)')
    if (found.keys.length === 0) return fail(`${found.reply.url} has no keys`)
    const failures = found.keys.flatMap((k) => {
      const problem = keyProblem(k)
      return problem ? [`key ${String(k.kid ?? '(no kid)')}: ${problem}`] : []
    })
    return verdict(
      failures,
      found.keys.map((k) => `key ${String(k.kid)}: ${k.kty} ${k.crv ?? ''} ${k.alg ?? ''}`.trim()),
    )
  },
}

export const redirectUris: Check = {
  id: 'oidc.redirect-uri',
  family: 'oidc',
  title: 'Near-miss redirect URIs are refused (exact matching, RFC 9700 §4.1.3)',
  fix: 'Compare redirect_uri with the registered ones as exact strings; never by prefix, pattern or host suffix.',
  async run(ctx) {
    const authorize = await ctx.deployment.authorizeUrl()
    const registered = authorize?.searchParams.get('redirect_uri')
    if (!authorize || !registered)
      return notCheckable("the app's login did not redirect with a redirect_uri")
    const uri = new URL(registered)
    const nearMisses = [
      `${registered.replace(/\/$/, '')}/..%2f..%2faudit`,
      `${uri.protocol}//${uri.hostname}.evil.example${uri.port ? `:${uri.port}` : ''}${uri.pathname}`,
      `${registered}${uri.search ? '&' : '?'}audit=1`,
    ]
    const failures: string[] = []
    const looked: string[] = []
    for (const nearMiss of nearMisses) {
      const probe = new URL(authorize)
      probe.searchParams.set('redirect_uri', nearMiss)
      const reply = await ctx.send(probe.href)
      const line = `redirect_uri=${nearMiss}: ${describe(reply)}`
      // Refused up front (RFC 6749 §4.1.2.1: never redirect to an unverified URI).
      if (reply.status >= 400 && reply.status < 500) looked.push(line)
      else failures.push(`${line} (not refused: ${locationOf(reply)?.href ?? 'answered'})`)
    }
    return verdict(failures, looked)
  },
}

export const returnTo: Check = {
  id: 'app.return-to',
  family: 'oidc',
  title: 'The post-login return address cannot leave the app (no open redirect)',
  fix: 'Accept only same-origin relative paths in returnTo (starting with one "/", not "//" or "/\\"), and refuse or replace anything else.',
  async run(ctx) {
    const reply = await ctx.deployment.returnToProbe()
    const line = `${ctx.options.returnParam}=${HOSTILE_RETURN_TO}: ${describe(reply, ['location'])}`
    if (reply.status >= 400 && reply.status < 500) return pass(`${line} (refused up front)`)
    const app = new URL(ctx.options.appUrl)
    const location = locationOf(reply)
    if (location && location.host !== app.host && !location.searchParams.has('client_id'))
      return fail(`${line} (sent away at once)`)
    const signedIn = ctx.sessions?.[0]
    if (!signedIn?.returnTo)
      return notCheckable(
        line,
        'where the sign-in ends needs a sign-in (--login or --login-script)',
      )
    return signedIn.returnTo.reachedForeign
      ? fail(line, `after signing in, the browser was sent to ${HOSTILE_RETURN_TO}`)
      : pass(line, `after signing in, the browser landed on ${signedIn.landedAt}`)
  },
}

export const OIDC_CHECKS = [pkce, grants, algorithms, jwks, redirectUris, returnTo]
