import type { Context } from '../context.ts'
import { readForm } from '../form_body.ts'
import type { Binding } from '../session_binding.ts'

/** `POST /auth/backchannel-logout`: the IdP ends a session (OpenID Connect Back-Channel Logout 1.0). */
export const backchannelLogout =
  ({ o, verifyLogoutToken, sessions, revoked }: Context) =>
  async (request: Request): Promise<Response> => {
    const form = await readForm(request, o.maxBodyBytes)
    const ended = await verifyLogoutToken(form?.get('logout_token'))
    // In cookie mode too: the binding goes on the revoked list every instance reads, so an
    // access cookie issued before the logout stops working at once.
    const bindings: Binding[] =
      'sid' in ended ? await sessions.bindingsOfSid(ended.sid) : [`sub:${ended.sub}`]
    for (const binding of bindings) {
      await revoked.revoke(binding)
      await sessions.end(binding)
    }
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
  }
