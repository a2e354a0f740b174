import { describe, expect, it } from 'vitest'
import { isLocalhostName, localhostLookup } from '../src/localhost_lookup.ts'

describe('localhostLookup', () => {
  it('knows *.localhost is loopback (RFC 6761 §6.3) and nothing else is', () => {
    for (const name of ['localhost', 'idp.localhost', 'a.b.localhost', 'API.LOCALHOST'])
      expect(isLocalhostName(name)).toBe(true)
    for (const name of ['localhost.example', 'evil-localhost', 'example.com'])
      expect(isLocalhostName(name)).toBe(false)
  })

  it('answers 127.0.0.1 in both callback shapes', async () => {
    const one = await new Promise((resolve) =>
      localhostLookup('api.localhost', {}, (_e, address) => resolve(address)),
    )
    expect(one).toBe('127.0.0.1')
    const all = await new Promise((resolve) =>
      localhostLookup('api.localhost', { all: true }, (_e, address) => resolve(address)),
    )
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }])
  })
})
