import { randomBytes } from 'node:crypto'
import { AccountError, type Admin } from '@latchkey/idp'

/** A usage mistake: printed with the help line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly code = 'usage'
}

export interface Io {
  out(line: string): void
  /** Warnings and errors (standard error). */
  err(line: string): void
  /** The whole of standard input, for secrets that must not travel in argv. */
  stdin(): Promise<string>
}

type Values = Record<string, string | boolean | string[] | undefined>

const one = (values: Values, name: string): string => {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`)
  return value
}
const many = (values: Values, name: string): string[] => {
  const value = values[name]
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : []
}
/**
 * The client secret: read from stdin, taken from `--secret` (with a warning), or generated —
 * 256 random bits, base64url, so it is URL-safe whichever way a client sends it.
 */
async function clientSecret(
  values: Values,
  io: Io,
): Promise<{ secret: string; generated: boolean }> {
  const given = values.secret
  if (typeof given === 'string' && values['secret-stdin'] === true)
    throw new UsageError('give --secret or --secret-stdin, not both')
  if (values['secret-stdin'] === true)
    return { secret: (await io.stdin()).replace(/\r?\n$/, ''), generated: false }
  if (typeof given === 'string') {
    io.err(
      'latchkey clients add: warning: --secret leaves the secret in shell history and the process list; prefer --secret-stdin, or no option to have one generated',
    )
    return { secret: given, generated: false }
  }
  return { secret: randomBytes(32).toString('base64url'), generated: true }
}

const table = (io: Io, rows: Record<string, unknown>[], json: boolean) => {
  if (json) return io.out(JSON.stringify(rows, null, 2))
  if (rows.length === 0) return io.out('(none)')
  for (const row of rows) {
    io.out(
      Object.entries(row)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join('  '),
    )
  }
}

export interface Command {
  summary: string
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; help: string }>
  run(admin: Admin, values: Values, io: Io): Promise<void>
}

const username = { type: 'string', help: 'the account' } as const
const json = { type: 'boolean', help: 'print JSON' } as const

/** Every `latchkey <group> <action>` the CLI knows, with its options. */
export const COMMANDS: Record<string, Record<string, Command>> = {
  users: {
    add: {
      summary: 'create an account; the password is read from stdin',
      options: {
        username,
        'password-stdin': {
          type: 'boolean',
          help: 'read the password from standard input (required)',
        },
        role: { type: 'string', multiple: true, help: 'a role, repeatable' },
        email: { type: 'string', help: 'email address' },
        name: { type: 'string', help: 'display name' },
        'mfa-required': { type: 'boolean', help: 'require TOTP at sign-in' },
      },
      async run(admin, values, io) {
        if (values['password-stdin'] !== true) {
          throw new UsageError(
            '--password-stdin is required: passwords are never taken from the command line',
          )
        }
        const password = (await io.stdin()).replace(/\r?\n$/, '')
        const account = await admin.accounts.add({
          username: one(values, 'username'),
          password,
          roles: many(values, 'role'),
          email: values.email as string | undefined,
          name: values.name as string | undefined,
          mfaRequired: values['mfa-required'] === true,
        })
        await admin.record('admin.user_added', {
          accountId: account.id,
          username: account.username,
          roles: account.roles,
        })
        io.out(
          `added user ${account.username} (${account.id}) roles=${account.roles.join(',') || '-'}`,
        )
      },
    },
    list: {
      summary: 'list accounts',
      options: { json },
      async run(admin, values, io) {
        const users = await admin.accounts.list()
        table(
          io,
          users.map(({ id, username, email, roles, disabled, totpEnrolled }) => ({
            username,
            id,
            email,
            roles,
            disabled,
            totp: totpEnrolled,
          })),
          values.json === true,
        )
      },
    },
    disable: {
      summary: 'disable an account and end its sessions',
      options: { username },
      async run(admin, values, io) {
        await admin.disableAccount(one(values, 'username'))
        await admin.record('admin.user_disabled', { username: values.username })
        io.out(`disabled ${values.username}; its sessions and grants are ended`)
      },
    },
    enable: {
      summary: 'enable a disabled account',
      options: { username },
      async run(admin, values, io) {
        await admin.accounts.setDisabled(one(values, 'username'), false)
        await admin.record('admin.user_enabled', { username: values.username })
        io.out(`enabled ${values.username}`)
      },
    },
    'reset-mfa': {
      summary: "remove an account's TOTP and recovery codes",
      options: { username },
      async run(admin, values, io) {
        await admin.accounts.resetMfa(one(values, 'username'))
        await admin.record('admin.mfa_reset', { username: values.username })
        io.out(`reset MFA of ${values.username}`)
      },
    },
    passkeys: {
      summary: "list an account's passkeys, or remove one with --remove",
      options: {
        username,
        remove: { type: 'string', help: 'the id of the passkey to remove' },
        json,
      },
      async run(admin, values, io) {
        const account = await admin.accounts.findByUsername(one(values, 'username'))
        if (!account) throw new AccountError('not_found', `no user named "${values.username}"`)
        const remove = values.remove
        if (typeof remove === 'string') {
          if (!(await admin.passkeys.remove(account.id, remove)))
            throw new AccountError('not_found', `${account.username} has no passkey "${remove}"`)
          await admin.record('admin.passkey_removed', { accountId: account.id, passkey: remove })
          return io.out(`removed passkey ${remove} of ${account.username}`)
        }
        const passkeys = await admin.passkeys.list(account.id)
        table(
          io,
          passkeys.map(({ id, name, createdAt, lastUsedAt, deviceType }) => ({
            id,
            name,
            created: createdAt,
            lastUsed: lastUsedAt ?? 'never',
            synced: deviceType === 'multiDevice',
          })),
          values.json === true,
        )
      },
    },
    'require-password-change': {
      summary: 'make the next password sign-in ask for a new password',
      options: { username },
      async run(admin, values, io) {
        const account = await admin.accounts.requirePasswordChange(one(values, 'username'))
        await admin.record('admin.password_change_required', { accountId: account.id })
        io.out(`${account.username} must choose a new password at the next sign-in`)
      },
    },
  },
  clients: {
    add: {
      summary: 'register an app (a backend) as an OIDC client',
      options: {
        id: { type: 'string', help: 'client id' },
        'secret-stdin': {
          type: 'boolean',
          help: 'read the client secret from standard input (default: generate one)',
        },
        secret: {
          type: 'string',
          help: 'client secret (lands in shell history: prefer --secret-stdin)',
        },
        'redirect-uri': { type: 'string', multiple: true, help: 'exact redirect URI, repeatable' },
        'post-logout-redirect-uri': {
          type: 'string',
          multiple: true,
          help: 'exact post-logout URI, repeatable',
        },
        'backchannel-logout-uri': { type: 'string', help: 'where logout tokens are posted' },
        name: { type: 'string', help: 'shown to users on the sign-in screen' },
        'third-party': { type: 'boolean', help: 'show the consent screen to users' },
        'account-api': {
          type: 'boolean',
          help: "may call the IdP's account API (/account/sessions) with its users' tokens",
        },
      },
      async run(admin, values, io) {
        const { secret, generated } = await clientSecret(values, io)
        const client = await admin.clients.add({
          id: one(values, 'id'),
          name: values.name as string | undefined,
          secret,
          redirectUris: many(values, 'redirect-uri'),
          postLogoutRedirectUris: many(values, 'post-logout-redirect-uri'),
          backchannelLogoutUri: values['backchannel-logout-uri'] as string | undefined,
          firstParty: values['third-party'] !== true,
          accountApi: values['account-api'] === true,
        })
        await admin.record('admin.client_added', {
          clientId: client.id,
          redirectUris: client.redirectUris,
        })
        io.out(`added client ${client.id} redirect_uris=${client.redirectUris.join(',')}`)
        if (generated) {
          // Shown this once: the IdP keeps only its hash.
          io.out(`client_secret=${secret}`)
          io.err('latchkey clients add: store the client secret now; it cannot be shown again')
        }
      },
    },
    list: {
      summary: 'list clients (secrets are never printed)',
      options: { json },
      async run(admin, values, io) {
        table(
          io,
          (await admin.clients.list()) as unknown as Record<string, unknown>[],
          values.json === true,
        )
      },
    },
    remove: {
      summary: 'remove a client',
      options: { id: { type: 'string', help: 'client id' } },
      async run(admin, values, io) {
        if (!(await admin.clients.remove(one(values, 'id'))))
          throw new AccountError('not_found', `no client "${values.id}"`)
        await admin.record('admin.client_removed', { clientId: values.id })
        io.out(`removed client ${values.id}`)
      },
    },
  },
  keys: {
    list: {
      summary: 'list the published signing keys',
      options: { json },
      async run(admin, values, io) {
        table(
          io,
          (await admin.keys.list()) as unknown as Record<string, unknown>[],
          values.json === true,
        )
      },
    },
    rotate: {
      summary: 'add a new signing key; the old one stays published until its tokens expire',
      options: {
        'activate-in': {
          type: 'string',
          help: 'seconds before it signs (default 0; 60 with several IdP instances)',
        },
      },
      async run(admin, values, io) {
        const delay = Number(values['activate-in'] ?? 0)
        if (!Number.isInteger(delay) || delay < 0 || delay > 86_400)
          throw new UsageError('--activate-in takes whole seconds, 0 to 86400')
        const key = await admin.rotateKey(delay)
        await admin.record('admin.key_rotated', { kid: key.kid })
        io.out(
          `new signing key ${key.kid}, published now; running identity providers sign with it from ${key.activatesAt}`,
        )
      },
    },
  },
}
