import { describe, expect, it } from 'vitest'
import {
  cookieNameCandidates,
  cookiePrefix,
  ERROR_CODES,
  isUnsafeMethod,
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
