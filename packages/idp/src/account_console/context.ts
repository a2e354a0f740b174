import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '@latchkey/store'
import type { Accounts } from '../accounts/accounts.ts'
import type { Audit } from '../audit.ts'
import type { Clients } from '../clients.ts'
import type { Passkeys } from '../passkeys/credentials.ts'
import type { PasskeyRegistration } from '../passkeys/registration.ts'
import type { Sessions } from '../sessions.ts'
import type { ConsoleUser } from './console_session.ts'
import type { ConsolePage } from './pages.ts'

/** What the console's sections work with. */
export interface ConsoleDeps {
  brand: string
  accounts: Accounts
  passkeys: Passkeys
  registration: PasskeyRegistration
  sessions: Sessions
  clients: Clients
  ephemeral: Store
  audit: Audit
}

/** One console request, its user known and (for a post) its form token checked. */
export interface ConsoleRequest {
  req: IncomingMessage
  res: ServerResponse
  user: ConsoleUser
  /** Whether the sign-in is recent enough for a change that weakens the account. */
  recent: boolean
  /** The posted form; empty for a GET. */
  form: URLSearchParams
  /** What every page shows: brand, user, form token, a notice after a change. */
  page: ConsolePage
  /** A page of the console, or a message. */
  send(status: number, html: string): void
  /** Back to a console page after a change (RFC 9110 §15.4.4 303: GET it), with a notice. */
  done(path: string, notice: keyof typeof NOTICES): void
}

/** The console's notices after a change, by key (the query names a key, never the text). */
export const NOTICES = {
  profile: 'Your profile is saved.',
  password: 'Your password is changed.',
  'totp-on': 'Two-step verification with an authenticator app is on.',
  'totp-off': 'The authenticator app is removed.',
  'passkey-added': 'Your passkey is added.',
  'passkey-removed': 'The passkey is removed.',
  'session-ended': 'That session is signed out.',
  'others-ended': 'Every other session is signed out.',
} as const

/** A section: its page, and the changes it takes (`weakens`: needs a recent sign-in). */
export interface ConsoleSection {
  show(r: ConsoleRequest): Promise<void>
  actions: Record<string, { weakens: boolean; run(r: ConsoleRequest): Promise<void> }>
}
