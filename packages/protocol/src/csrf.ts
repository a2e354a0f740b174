/** The header an unsafe request echoes the CSRF token in (double-submit, OWASP CSRF cheat sheet). */
export const CSRF_HEADER = 'x-csrf-token'

/** RFC 9110 §9.2.1: the methods defined as safe. Every other one can change state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * Whether a request with this method needs the CSRF check (and the browser SDK adds the
 * header): any method RFC 9110 does not call safe, the unknown ones included.
 */
export const isUnsafeMethod = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase())
