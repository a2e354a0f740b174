import { connect } from 'node:net'

export interface Exchange {
  /** The status of the final response, 0 when the server closed without one. */
  status: number
  /** Everything the server sent (head and body, as the bytes arrived). */
  text: string
  /** False when there was neither a complete response nor a close before the deadline. */
  answered: boolean
}

/** Where the first final (non-1xx) response in `text` ends, or -1 while it is incomplete. */
function responseEnd(text: string, head: boolean): { status: number; end: number } {
  let at = 0
  for (;;) {
    const headEnd = text.indexOf('\r\n\r\n', at)
    if (headEnd < 0) return { status: 0, end: -1 }
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(text.slice(at, headEnd))?.[1] ?? 0)
    const bodyAt = headEnd + 4
    if (status >= 100 && status < 200) {
      at = bodyAt // an interim response (100 Continue); the final one follows
      continue
    }
    const fields = text.slice(at, headEnd)
    if (head || status === 204 || status === 304) return { status, end: bodyAt }
    if (/^transfer-encoding:.*chunked/im.test(fields)) {
      const last = text.indexOf('0\r\n\r\n', bodyAt)
      return { status, end: last < 0 ? -1 : last + 5 }
    }
    const length = /^content-length:\s*(\d+)/im.exec(fields)?.[1]
    if (length === undefined) return { status, end: -1 } // delimited by the close
    const end = bodyAt + Number(length)
    return { status, end: text.length >= end ? end : -1 }
  }
}

/**
 * Writes `bytes` to `127.0.0.1:port` exactly as given (no client would send most of them) and
 * waits for the answer: a complete response, or the server closing the connection. A request
 * that declared more body than it sent gets no answer until the server knows that nothing
 * more is coming, so after `quietMs` without one the sending side is closed. Past
 * `deadlineMs` the request was held: `answered` is false.
 */
export function rawExchange(
  port: number,
  bytes: Buffer,
  options: { deadlineMs: number; quietMs?: number; localAddress?: string },
): Promise<Exchange> {
  const head = bytes.subarray(0, 5).toString('latin1') === 'HEAD '
  return new Promise((resolve) => {
    let text = ''
    let settled = false
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress })
    const settle = (answered: boolean, status: number) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      clearTimeout(quiet)
      socket.destroy()
      resolve({ status, text, answered })
    }
    const deadline = setTimeout(() => settle(false, 0), options.deadlineMs)
    const quiet = setTimeout(() => socket.end(), options.quietMs ?? 1_000)
    socket.on('connect', () => socket.write(bytes))
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      const response = responseEnd(text, head)
      if (response.end >= 0) settle(true, response.status)
    })
    socket.on('close', () => settle(true, responseEnd(text, head).status))
    // A reset (the server closed with bytes of ours unread) ends the exchange like a close.
    socket.on('error', () => undefined)
  })
}
