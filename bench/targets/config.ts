/** What every server under test is told at start-up (as JSON on its command line). */
export interface TargetConfig {
  /** The issuer whose keys sign the tokens: the bench's stub, or the real IdP. */
  issuer: string
  clientId: string
  clientSecret: string
  /** Latchkey's secrets (CSRF, sealing); also what session records are sealed with. */
  secrets: string[]
  redisUrl: string
  /** Redis key prefix for Latchkey's store, unique to the run. */
  prefix: string
  /** The PEM public key Express + jsonwebtoken verifies with. */
  publicKeyPem: string
  /** express-session's cookie-signing secret and express-openid-connect's cookie secret. */
  cookieSecret: string
}

/** Whoever signed in: the same JSON from every server, bare ones included. */
export const ME = { sub: 'user-0', roles: ['USER'] }
