import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { acceptableRequestId, REQUEST_ID_HEADER } from '@latchkey/protocol'

/** The id of the request being answered: what the audit lines written for it carry. */
const current = new AsyncLocalStorage<string>()

export const currentRequestId = (): string | undefined => current.getStore()

/**
 * Answers a request under its id — the one a backend (or a proxy) sent in `X-Request-Id`
 * when it is sane, else a new one — and echoes it, so one sign-in or refresh can be followed
 * from the backend's log into the IdP's audit log.
 */
export function withRequestId(req: IncomingMessage, res: ServerResponse, answer: () => void) {
  const sent = req.headers[REQUEST_ID_HEADER]
  const id = acceptableRequestId(typeof sent === 'string' ? sent : undefined) ?? randomUUID()
  res.setHeader(REQUEST_ID_HEADER, id)
  current.run(id, answer)
}
