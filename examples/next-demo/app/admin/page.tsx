import { auth } from '../../lib/latchkey.ts'
import { NoticeForm } from './notice_form.tsx'

export const dynamic = 'force-dynamic'

/** Any signed-in user sees the form; the server action itself requires ADMIN. */
export default async function Admin() {
  const session = await auth()
  return (
    <section>
      <h1>Notices</h1>
      <p>Signed in as {session?.user.name}; publishing needs the ADMIN role.</p>
      <NoticeForm />
    </section>
  )
}
