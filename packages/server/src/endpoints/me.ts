import { authenticator } from '../authenticate.ts'
import type { Context } from '../context.ts'
import { bindingOf } from '../session_binding.ts'

/** `GET /auth/me`: who the browser is signed in as, and its CSRF token. */
export const me = (ctx: Context) => {
  const authenticate = authenticator(ctx)
  return async (request: Request): Promise<Response> => {
    const auth = await authenticate(request)
    return Response.json({
      user: {
        sub: auth.sub,
        name: auth.name ?? null,
        email: auth.email ?? null,
        roles: auth.roles,
      },
      expiresAt: auth.expiresAt,
      csrfToken: ctx.guard.tokenFor(bindingOf(auth)),
    })
  }
}
