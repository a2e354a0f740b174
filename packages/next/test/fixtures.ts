import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { createLatchkey, type Latchkey, type LatchkeyOptions } from '@latchkey/server'
import { SECRET, type TestIdp } from '../../server/test/fixtures/stack.ts'
import { type GuardOptions, requestGuard } from '../src/guard.ts'
import { sessionOf } from '../src/session.ts'

export { signIn } from '../../server/test/fixtures/login.ts'
export { startIdp, type TestIdp } from '../../server/test/fixtures/stack.ts'

export interface NextLikeApp {
  url: string
  latchkey: Latchkey
  close(): Promise<void>
}

let clients = 0

/**
 * What a Next app with @latchkey/next does, on a plain Fetch server: the core's `/auth/*`
 * (the route handler) and, for every other request, the proxy's guard; a page that passes it
 * answers the session the render would see (`auth`) and the cookies the browser gets.
 */
export async function startApp(
  t: TestIdp,
  options: Partial<LatchkeyOptions> = {},
  guardOptions: GuardOptions = {},
): Promise<NextLikeApp> {
  let fetchHandler: (request: Request) => Promise<Response> = async () => new Response(null)
  const server: Server = createServer(getRequestListener((request) => fetchHandler(request)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clientId = `next-${++clients}`
  await t.idp.clients.add({
    id: clientId,
    secret: SECRET,
    redirectUris: [`${url}/auth/callback`],
    postLogoutRedirectUris: [`${url}/`],
    backchannelLogoutUri: `${url}/auth/backchannel-logout`,
    accountApi: true,
  })
  const latchkey = createLatchkey({
    issuer: t.issuer,
    clientId,
    clientSecret: SECRET,
    redirectUri: `${url}/auth/callback`,
    secrets: ['0123456789abcdef0123456789abcdef-nextapp'],
    mode: 'session',
    ...options,
  })
  const guard = requestGuard(latchkey, guardOptions)
  fetchHandler = async (request) => {
    const answered = await latchkey.handle(request)
    if (answered) return answered
    const verdict = await guard(request)
    if ('respond' in verdict) return verdict.respond
    const headers = new Headers()
    for (const cookie of verdict.setCookies) headers.append('set-cookie', cookie)
    return Response.json(
      {
        session: verdict.auth && sessionOf(verdict.auth),
        renderCookie: verdict.requestHeaders?.get('cookie') ?? null,
      },
      { headers },
    )
  }
  return {
    url,
    latchkey,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
