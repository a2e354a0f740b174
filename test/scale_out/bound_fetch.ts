import { Agent, request } from 'node:http'

/**
 * A `fetch` (plain http, no redirects followed) whose connections leave from `localAddress`:
 * on Linux every 127.x.y.z is loopback, so a test can be several clients — a peer nginx does
 * not front, an attacker, its victim — each with an address of its own.
 */
export function boundFetch(localAddress: string): typeof fetch {
  const agent = new Agent({ keepAlive: true, localAddress } as ConstructorParameters<
    typeof Agent
  >[0])
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input))
    const body =
      init.body === undefined || init.body === null ? undefined : String(init.body as string)
    const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers))
    if (body !== undefined && init.body instanceof URLSearchParams) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded'
    }
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        { method: init.method ?? 'GET', headers, agent, localAddress },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', reject)
          res.on('end', () => {
            const out = new Headers()
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of [value ?? []].flat()) out.append(name, v)
            }
            const status = res.statusCode ?? 0
            const empty = status === 204 || status === 304 || status < 200
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }))
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }) as typeof fetch
}
