import { connect } from 'node:net'

export interface Exchange {
  /** The status of the first response, 0 when the server closed without answering. */
  status: number
  /** Everything the server sent before closing (head and body, as bytes arrived). */
  text: string
  /** False when nothing came back and the connection stayed open past the deadline. */
  answered: boolean
}

/** The status of the final response: interim 1xx ones (`100 Continue`) come first. */
function finalStatus(text: string): number {
  let at = 0
  for (;;) {
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(text.slice(at))?.[1] ?? 0)
    const end = text.indexOf('\r\n\r\n', at)
    if (status >= 200 || status < 100 || end < 0) return status
    at = end + 4
  }
}

/**
 * Writes `bytes` to `127.0.0.1:port` exactly as given (no client would send most of them),
 * half-closes, and collects what comes back until the server closes — an HTTP/1.1 server
 * answers the request and then ends a connection its client has ended (RFC 9112 §9.6). Past
 * `deadlineMs` with no complete exchange, the request was held: `answered` is false.
 */
export function rawExchange(
  port: number,
  bytes: Buffer,
  options: { deadlineMs: number; localAddress?: string },
): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let settled = false
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress })
    const settle = (answered: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ status: finalStatus(text), text, answered })
    }
    // A response that came in full but whose connection is kept open counts as answered.
    const timer = setTimeout(() => settle(chunks.length > 0), options.deadlineMs)
    socket.on('connect', () => socket.end(bytes))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () => settle(true))
    // A reset after the answer (the server closed with our bytes unread) still ends the exchange.
    socket.on('error', () => undefined)
  })
}
