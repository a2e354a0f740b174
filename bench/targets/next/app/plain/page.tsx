import { Account } from '../account.tsx'

// Rendered per request, like /authed (otherwise Next would prerender it once at build).
export const dynamic = 'force-dynamic'

/** The page without auth: a fixed user. */
export default function Plain() {
  return <Account user={{ sub: 'user-0', roles: ['USER'] }} />
}
