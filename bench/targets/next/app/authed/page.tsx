import { auth } from '../../lib/latchkey.ts'
import { Account } from '../account.tsx'

export const dynamic = 'force-dynamic'

/** The same page for the user auth() verified from the request's cookie. */
export default async function Authed() {
  const session = await auth()
  // A 500, which the bench counts as a failure: every request it sends is signed in.
  if (!session) throw new Error('not signed in')
  return <Account user={session.user} />
}
