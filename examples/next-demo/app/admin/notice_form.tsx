'use client'
import { useActionState } from 'react'
import { publishNotice } from './actions.ts'

export function NoticeForm() {
  const [result, submit, pending] = useActionState(publishNotice, null)
  return (
    <form action={submit}>
      <input name="text" defaultValue="Maintenance on Friday" />
      <button type="submit" data-testid="publish" disabled={pending}>
        Publish
      </button>
      {result?.ok === false && (
        <p role="alert" data-testid="action-error">
          {result.error.code}: {result.error.message}
        </p>
      )}
      {result?.ok && (
        <ul data-testid="notices">
          {result.value.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </form>
  )
}
