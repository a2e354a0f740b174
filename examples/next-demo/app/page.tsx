import { auth, IDP, serverFetch } from '../lib/latchkey.ts'

export const dynamic = 'force-dynamic'

/** Rendered on the server: the user from auth(), and their profile from an API (the IdP's UserInfo). */
export default async function Home() {
  const session = await auth()
  if (!session)
    return (
      <p data-testid="signed-out">
        Signed out. <a href="/auth/login?returnTo=/">Sign in</a>
      </p>
    )
  const response = await serverFetch(`${IDP}/me`)
  const profile = response.ok ? ((await response.json()) as { email?: string }) : null
  return (
    <section>
      <h1 data-testid="name">{session.user.name}</h1>
      <p>
        Roles: <span data-testid="roles">{session.user.roles.join(', ')}</span>
      </p>
      <p>
        From the API, rendered on the server: <span data-testid="api-email">{profile?.email}</span>
      </p>
      <p>
        Access token valid until <span data-testid="expires-at">{session.expiresAt}</span>
      </p>
    </section>
  )
}
