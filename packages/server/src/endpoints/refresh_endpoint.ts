import { type Context, issue } from '../context.ts'
import { errorResponse } from '../errors.ts'

/** `POST /auth/refresh`: new tokens for the caller's refresh token, and a new CSRF token. */
export const refresh =
  (ctx: Context) =>
  async (request: Request): Promise<Response> => {
    ctx.guard.checkOrigin(request)
    const refreshed = await ctx.mode.refresh(ctx.cookies.of(request))
    const headers = new Headers()
    if ('refused' in refreshed) {
      // A refresh the IdP refused (RFC 6749 §5.2): sign in again, with every auth cookie cleared.
      ctx.cookies.clearAll(headers)
      return errorResponse(refreshed.refused, headers)
    }
    const { tokens, binding } = refreshed
    return Response.json(
      { expiresAt: tokens.expiresAt, csrfToken: issue(ctx, headers, tokens, binding) },
      { headers },
    )
  }
