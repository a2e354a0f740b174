import type { ServerResponse } from 'node:http'

export const jsonError = (code: string, message: string) => JSON.stringify({ error: code, message })

/** The contract's JSON error: `{ "error": code, "message": … }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = jsonError(code, message)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(body)
}

const CODES: Record<number, string> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
}

/**
 * What a framework's error becomes: a 4xx it raised for the request (a path Express cannot
 * decode, a body Fastify cannot parse) keeps its status; anything else is the app's own
 * failure, a bare 500 whose details go to `onError`, never to the client.
 */
export function frameworkError(
  error: unknown,
  onError: (error: Error) => void,
): { status: number; body: { error: string; message: string } } {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown }
  const code = Number(status ?? statusCode)
  if (code >= 400 && code < 500)
    return {
      status: code,
      body: { error: CODES[code] ?? 'invalid_request', message: 'the request was refused' },
    }
  onError(error instanceof Error ? error : new Error(String(error)))
  return {
    status: 500,
    body: { error: 'server_error', message: 'something went wrong; try again' },
  }
}
