import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staticFiles } from '../src/static_files.ts'

describe('staticFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-spa-'))
  const server = createServer(staticFiles(dir))
  let origin = ''

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>spa</title>')
    writeFileSync(join(dir, 'assets', 'app.js'), 'export {}')
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers a path that is not valid percent-encoding with 400 JSON (it took the demo down)', async () => {
    const response = await fetch(`${origin}/%zz`)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_request', message: expect.any(String) })
    expect((await fetch(`${origin}/`)).status).toBe(200)
  })

  it('serves its files, index.html for client routes, and nothing outside its folder', async () => {
    expect(await (await fetch(`${origin}/assets/app.js`)).text()).toBe('export {}')
    expect(await (await fetch(`${origin}/sessions`)).text()).toContain('<title>spa</title>')
    for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%00.js']) {
      const response = await fetch(`${origin}${path}`)
      expect(await response.text(), path).not.toContain('root:')
    }
    expect((await fetch(`${origin}/missing.js`)).status).toBe(404)
  })

  it('refuses other methods than GET and HEAD with 405 and Allow (RFC 9110 §15.5.6)', async () => {
    const response = await fetch(`${origin}/`, { method: 'POST', body: 'x' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })
})
