import { isLocalhostName, resolveLocalhostNames } from '@latchkey/demo/localhost'
import type { LatchkeyOptions } from '@latchkey/server'

export interface ExampleConfig {
  /** Where this example listens, on loopback. */
  port: number
  /** What `createLatchkey` needs. */
  latchkey: LatchkeyOptions
}

/**
 * The examples' settings from the environment. The defaults fit the demo IdP of `npm start`;
 * register the example as a client there first (see README.md).
 */
function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const port = Number(env.PORT ?? 5050)
  const origin = env.ORIGIN ?? `http://localhost:${port}`
  const need = (name: string) => {
    const value = env[name]
    if (!value) throw new Error(`set ${name} (see examples/adapters/README.md)`)
    return value
  }
  const issuer = env.LATCHKEY_ISSUER ?? 'http://idp.localhost:4000'
  // The demo IdP's idp.localhost: loopback by RFC 6761, which the OS resolver may not know.
  if (isLocalhostName(new URL(issuer).hostname)) resolveLocalhostNames()
  return {
    port,
    latchkey: {
      issuer,
      clientId: env.LATCHKEY_CLIENT_ID ?? 'example-api',
      clientSecret: need('LATCHKEY_CLIENT_SECRET'),
      redirectUri: `${origin}/auth/callback`,
      // At least 32 characters; a list, so a new secret can be added before the old is retired.
      secrets: [need('LATCHKEY_SECRET')],
    },
  }
}

/** `node src/<framework>.ts`: starts an example with the environment's settings. */
export async function runExample(
  framework: string,
  start: (options: LatchkeyOptions, port: number) => Promise<unknown>,
): Promise<void> {
  const { latchkey, port } = configFromEnv()
  await start(latchkey, port)
  console.log(
    `${framework} example on http://localhost:${port}: sign in at /auth/login?returnTo=/api/me`,
  )
}
