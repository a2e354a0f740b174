import { IDP, serverFetch } from '../../lib/latchkey.ts'

export const dynamic = 'force-dynamic'

interface SessionInfo {
  id: string
  current: boolean
  clients: string[]
}

/** The user's IdP sessions, from the IdP's account API, called on the server as the user. */
export default async function Sessions() {
  const response = await serverFetch(`${IDP}/account/sessions`)
  if (!response.ok)
    return <p data-testid="sessions-error">The account API answered {response.status}.</p>
  const { sessions } = (await response.json()) as { sessions: SessionInfo[] }
  return (
    <section>
      <h1>My sessions</h1>
      <ul data-testid="sessions">
        {sessions.map((s) => (
          <li key={s.id}>
            {s.current ? 'this one' : s.id}: {(s.clients ?? []).join(', ')}
          </li>
        ))}
      </ul>
    </section>
  )
}
