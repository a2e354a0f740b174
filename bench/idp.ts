/**
 * The real Latchkey IdP in its own process (`idp.ts <setup.json>`), as `latchkey serve`
 * runs it (serveIdentityProvider), its stores on Redis: `users` accounts (password
 * `PASSWORD`) and the backend registered as a client. Reports its issuer when ready.
 */
import { readFileSync } from 'node:fs'
import { serveIdentityProvider } from '@latchkey/idp'
import { redisStore } from '@latchkey/store'
import { type IdpSetup, PASSWORD } from './lib/idp_setup.ts'
import { serveChild } from './lib/processes.ts'

const setup = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as IdpSetup
const stores = {
  durable: redisStore({ url: setup.redisUrl, prefix: `${setup.prefix}idp-d:` }),
  ephemeral: redisStore({ url: setup.redisUrl, prefix: `${setup.prefix}idp-e:` }),
}
const issuer = `http://127.0.0.1:${setup.port}`
const served = await serveIdentityProvider({
  issuer,
  stores,
  port: setup.port,
  host: '127.0.0.1',
  // Every sign-in comes from 127.0.0.1: the per-address limit on failures is not what is measured.
  throttle: { ipLimit: 1_000_000 },
})
for (let n = 0; n < setup.users; n++)
  await served.idp.accounts.add({ username: `user-${n}`, password: PASSWORD, roles: ['USER'] })
const { client } = setup
await served.idp.clients.add({
  id: client.id,
  secret: client.secret,
  redirectUris: [client.redirectUri],
  postLogoutRedirectUris: [`${client.origin}/`],
})

serveChild({ issuer }, async () => {
  await served.close()
  await stores.durable.close()
  await stores.ephemeral.close()
})
