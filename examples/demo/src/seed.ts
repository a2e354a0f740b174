import { randomBytes } from 'node:crypto'
import type { IdentityProvider } from '@latchkey/idp'
import type { Store } from '@latchkey/store'
import { ORIGINS } from './origins.ts'

export interface DemoAccount {
  username: string
  password: string
  roles: string[]
  totpSecret?: string
}

export interface DemoSeed {
  accounts: DemoAccount[]
  clients: {
    app: { id: string; secret: string }
    admin: { id: string; secret: string }
    next: { id: string; secret: string }
  }
  /** Keys for the backends' CSRF tokens and sealed records. */
  backendSecrets: string[]
}

const persistent = async (store: Store, key: string, make: () => string) => {
  await store.add('demo', key, make())
  return (await store.get<string>('demo', key)) ?? ''
}
const secret = () => randomBytes(32).toString('base64url')

/**
 * The demo's clients and accounts, created once and kept with the data (secrets are
 * generated on first start, never in the repository).
 */
export async function seed(idp: IdentityProvider, durable: Store): Promise<DemoSeed> {
  const clients = {
    // The app's backend answers on its own origin and on the app's (see stack.ts).
    app: {
      id: 'demo-app',
      name: 'Acme Notes',
      bases: [ORIGINS.api, ORIGINS.app],
      postLogout: `${ORIGINS.app}/`,
      // Its "My sessions" page calls the IdP's account API with the user's token.
      accountApi: true,
    },
    admin: {
      id: 'demo-admin',
      name: 'Acme Admin',
      bases: [ORIGINS.admin],
      postLogout: `${ORIGINS.admin}/`,
      accountApi: false,
    },
    // The Next.js app (examples/next-demo): its session list calls the account API.
    next: {
      id: 'demo-next',
      name: 'Acme Next',
      bases: [ORIGINS.next],
      postLogout: `${ORIGINS.next}/`,
      accountApi: true,
    },
  }
  const registered = {} as DemoSeed['clients']
  for (const [name, c] of Object.entries(clients) as [
    keyof typeof clients,
    (typeof clients)['app'],
  ][]) {
    // The IdP keeps only a hash of a client secret: the demo keeps its backends' own copy.
    const clientSecret = await persistent(durable, `client-secret:${c.id}`, secret)
    // A client kept from before clients were registered for the account API is registered anew.
    const found = await idp.clients.find(c.id)
    const current = (found?.accountApi ?? false) === c.accountApi ? found : undefined
    if (found && !current) await idp.clients.remove(c.id)
    const client =
      current ??
      (await idp.clients.add({
        id: c.id,
        name: c.name,
        secret: clientSecret,
        redirectUris: c.bases.map((base) => `${base}/auth/callback`),
        postLogoutRedirectUris: [c.postLogout],
        backchannelLogoutUri: `${c.bases[0]}/auth/backchannel-logout`,
        accountApi: c.accountApi,
      }))
    registered[name] = { id: client.id, secret: clientSecret }
  }

  const alice: DemoAccount = {
    username: 'alice',
    password: 'alice-demo-password',
    roles: ['ADMIN', 'USER'],
  }
  const bob: DemoAccount = { username: 'bob', password: 'bob-demo-password', roles: ['USER'] }
  if (!(await idp.accounts.findByUsername('alice'))) {
    await idp.accounts.add({ ...alice, email: 'alice@example.com', name: 'Alice Admin' })
  }
  if (!(await idp.accounts.findByUsername('bob'))) {
    await idp.accounts.add({ ...bob, email: 'bob@example.com', name: 'Bob User' })
    const { secret: totp } = await idp.accounts.enrolTotp('bob')
    await durable.set('demo', 'bob-totp', totp)
  }
  bob.totpSecret = await durable.get<string>('demo', 'bob-totp')

  return {
    accounts: [alice, bob],
    clients: registered,
    backendSecrets: [await persistent(durable, 'backend-secret', secret)],
  }
}
