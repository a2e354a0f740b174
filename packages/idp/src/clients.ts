import { createHash, timingSafeEqual } from 'node:crypto'
import { SIGNING_ALGORITHM } from '@latchkey/protocol'
import type { Store } from '@latchkey/store'
import type { AdapterPayload } from 'oidc-provider'
import { z } from 'zod'
import { AccountError } from './accounts/accounts.ts'

export interface ClientRecord {
  id: string
  /** Shown to users on the sign-in and consent screens. @default the id */
  name?: string
  /** Only a hash of the secret is kept (see `hashClientSecret`). */
  secretHash: string
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  backchannelLogoutUri?: string
  /** First-party clients skip the consent screen. @default true */
  firstParty: boolean
  /**
   * May call the IdP's account API (`/account/sessions`) with its users' access tokens: the
   * account API's audience (RFC 9068 §4). @default false
   */
  accountApi?: boolean
  createdAt: string
}

export type NewClient = Omit<
  ClientRecord,
  'createdAt' | 'firstParty' | 'postLogoutRedirectUris' | 'secretHash'
> &
  Partial<Pick<ClientRecord, 'firstParty' | 'postLogoutRedirectUris'>> & {
    /** 32 to 256 URL-safe characters (`[A-Za-z0-9._~-]`); only its hash is stored. */
    secret: string
  }

/**
 * Client secrets are stored hashed, so a copy of the data is not a copy of the backends'
 * credentials. They are random and at least 32 characters long, so one SHA-256 resists
 * guessing; a slow password hash would only slow every token request (ASVS 5.0 V11.4.2).
 */
export const hashClientSecret = (secret: string) =>
  `sha256:${createHash('sha256').update(secret).digest('base64url')}`

/** Compares a presented secret with a stored hash in constant time. */
export function clientSecretMatches(secretHash: string, presented: string): boolean {
  const a = Buffer.from(hashClientSecret(presented))
  const b = Buffer.from(secretHash)
  return a.length === b.length && timingSafeEqual(a, b)
}

const NS = 'clients'

// Redirect URIs are compared as exact strings (RFC 9700 §4.1.3), so they must be absolute,
// without fragment (RFC 6749 §3.1.2), http(s) only.
const uri = z.url({ protocol: /^https?$/ }).refine((u) => !u.includes('#'), 'no fragment allowed')

const schema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{2,64}$/, 'client id: 2-64 letters, digits, . _ -'),
  name: z.string().trim().min(1).max(80).optional(),
  // URL-safe characters only (RFC 3986 unreserved): clients that put the secret in a Basic
  // header without form-encoding it (RFC 6749 §2.3.1 asks them to) still send it intact.
  secret: z
    .string()
    .regex(
      /^[A-Za-z0-9._~-]{32,256}$/,
      'client secret: 32 to 256 characters from A-Z a-z 0-9 . _ ~ - (URL-safe)',
    ),
  redirectUris: z.array(uri).min(1, 'at least one --redirect-uri'),
  postLogoutRedirectUris: z.array(uri).default([]),
  backchannelLogoutUri: uri.optional(),
  firstParty: z.boolean().default(true),
  accountApi: z.boolean().default(false),
})

/** What oidc-provider needs to know of a client (OIDC Dynamic Client Registration §2 names). */
export function toMetadata(client: ClientRecord): AdapterPayload {
  return {
    client_id: client.id,
    ...(client.name && { client_name: client.name }),
    // oidc-provider compares presented secrets through `clientSecretMatches` (provider/build.ts).
    client_secret: client.secretHash,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: SIGNING_ALGORITHM,
    ...(client.backchannelLogoutUri && {
      backchannel_logout_uri: client.backchannelLogoutUri,
      backchannel_logout_session_required: true,
    }),
    'urn:latchkey:first_party': client.firstParty,
  }
}

/**
 * Registered clients, in the durable store so the CLI can add one while the IdP runs: the
 * IdP reads them per request through its adapter, no restart needed.
 */
export function createClients(durable: Store) {
  return {
    async add(input: NewClient): Promise<ClientRecord> {
      const parsed = schema.safeParse(input)
      if (!parsed.success)
        throw new AccountError(
          'invalid_input',
          parsed.error.issues.map((i) => i.message).join('; '),
        )
      const { secret, ...rest } = parsed.data
      const client: ClientRecord = {
        ...rest,
        secretHash: hashClientSecret(secret),
        createdAt: new Date().toISOString(),
      }
      if (!(await durable.add(NS, client.id, client))) {
        throw new AccountError('already_exists', `a client "${client.id}" already exists`)
      }
      return client
    },
    find(id: string): Promise<ClientRecord | undefined> {
      return durable.get<ClientRecord>(NS, id)
    },
    async list(): Promise<Omit<ClientRecord, 'secretHash'>[]> {
      const all = await durable.list<ClientRecord>(NS)
      return all
        .map(({ value: { secretHash: _s, ...client } }) => client)
        .sort((a, b) => a.id.localeCompare(b.id))
    },
    async remove(id: string): Promise<boolean> {
      const exists = await durable.get(NS, id)
      await durable.delete(NS, id)
      return exists !== undefined
    },
  }
}

export type Clients = ReturnType<typeof createClients>
