import { describe, expect, it } from 'vitest'
import {
  cookieNameCandidates,
  cookiePrefix,
  ERROR_CODES,
  isAuthority,
  isUnsafeMethod,
  originForm,
  REFRESH_ON,
} from '../src/index.ts'

describe('cookie prefixes (RFC 6265bis §4.1.3)', () => {
  it('gives __Host- only to a Secure, Path=/ cookie without Domain', () => {
    expect(cookiePrefix({ secure: true, path: '/' })).toBe('__Host-')
    expect(cookiePrefix({ secure: true, path: '/', domain: 'example.com' })).toBe('__Secure-')
    expect(cookiePrefix({ secure: true, path: '/auth/refresh' })).toBe('__Secure-')
    expect(cookiePrefix({ secure: false, path: '/' })).toBe('')
  })

  it('lists the names a reader tries, strongest prefix first', () => {
    expect(cookieNameCandidates('csrf')).toEqual([
      '__Host-csrf_token',
      '__Secure-csrf_token',
      'csrf_token',
    ])
  })
})

describe('unsafe methods (RFC 9110 §9.2.1)', () => {
  it.each(['POST', 'put', 'PATCH', 'DELETE', 'PROPFIND', 'PURGE'])('%s needs the CSRF check', (m) =>
    expect(isUnsafeMethod(m)).toBe(true),
  )
  it.each(['GET', 'head', 'OPTIONS', 'TRACE'])('%s does not', (m) =>
    expect(isUnsafeMethod(m)).toBe(false),
  )
})

describe('error codes', () => {
  it('map each to a 4xx or 5xx status, and refresh on a 401 only', () => {
    for (const status of Object.values(ERROR_CODES)) expect(status).toBeGreaterThanOrEqual(400)
    expect(ERROR_CODES[REFRESH_ON]).toBe(401)
  })
})

describe('request targets (RFC 9112 §3.2, RFC 9110 §7.2)', () => {
  it.each(['example.com', 'example.com:8080', '127.0.0.1', '[::1]:3000', 'a%41b', 'app.localhost'])(
    'takes the authority %s',
    (value) => expect(isAuthority(value)).toBe(true),
  )
  it.each([
    '',
    'user@example.com',
    'example.com:99999',
    'example.com/path',
    'a b',
    'a%20b',
    'x:1:2',
    '[::1',
  ])('refuses the authority %j', (value) => expect(isAuthority(value)).toBe(false))
  it('keeps an origin-form target, `//x` included, as a path', () => {
    expect(originForm('/a?b=1')).toEqual({ path: '/a?b=1' })
    expect(originForm('//evil.example/x')).toEqual({ path: '//evil.example/x' })
  })
  it('turns an absolute-form target into its path and authority', () => {
    expect(originForm('http://api.example.com:8080/x?y=1')).toEqual({
      path: '/x?y=1',
      authority: 'api.example.com:8080',
    })
  })
  it.each(['*', 'example.com:443', 'ftp://example.com/', 'http://user:pw@example.com/', 'x'])(
    'refuses the target %j',
    (target) => expect(originForm(target)).toBeUndefined(),
  )
})
