import { latchkeyProxy } from '@latchkey/next'
import { latchkey } from './lib/latchkey.ts'

export const proxy = latchkeyProxy(latchkey, {
  protect: [{ path: '/sessions' }, { path: '/admin' }],
})

export const config = { matcher: ['/((?!_next/|favicon.ico).*)'] }
