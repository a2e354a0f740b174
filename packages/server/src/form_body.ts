import { InvalidRequest, PayloadTooLarge } from './errors.ts'

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `maxBytes`, counted as it
 * arrives: a chunked body declares no length, so the declared-length check cannot catch it.
 * Another content type reads as no form. Stops reading (without cancelling: cancelling a
 * runtime's body stream may destroy the connection before the 413 is written) past the limit.
 */
export async function readForm(
  request: Request,
  maxBytes: number,
): Promise<URLSearchParams | undefined> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded' || !request.body) return undefined
  const reader = request.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) throw new PayloadTooLarge(`the body is larger than ${maxBytes} bytes`)
      text += decoder.decode(value, { stream: true })
    }
  } catch (error) {
    if (error instanceof PayloadTooLarge) throw error
    throw new InvalidRequest('the request body could not be read', { cause: error })
  } finally {
    reader.releaseLock()
  }
  return new URLSearchParams(text + decoder.decode())
}
