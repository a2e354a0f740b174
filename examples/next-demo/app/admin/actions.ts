'use server'
import { action } from '../../lib/latchkey.ts'

const notices: string[] = []

/** Admin only: a refusal comes back as `{ ok: false, error }` for the form to show. */
export const publishNotice = action(
  { role: 'ADMIN' },
  async (session, _previous: unknown, form: FormData) => {
    const text = String(form.get('text') ?? '').slice(0, 200)
    notices.unshift(`${session.user.name ?? session.user.sub}: ${text}`)
    return notices.slice(0, 5)
  },
)
