/** The page both routes render: a small account page for a user. */
export function Account({ user }: { user: { sub: string; roles: string[] } }) {
  return (
    <main>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{user.sub}</strong> ({user.roles.join(', ')})
      </p>
      <ul>
        {Array.from({ length: 20 }, (_, n) => (
          <li key={n}>Item {n + 1}</li>
        ))}
      </ul>
    </main>
  )
}
