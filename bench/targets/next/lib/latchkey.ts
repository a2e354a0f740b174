import { readFileSync } from 'node:fs'
import { latchkeyNext, sharedLatchkey } from '@latchkey/next'
import { createLatchkey } from '@latchkey/server'
import { redisStore } from '@latchkey/store'
import type { TargetConfig } from '../../config.ts'

// The bench's Latchkey options (bench/targets/latchkey.ts), read from the file the bench
// names: the same issuer, client and Redis prefix as every other target.
export const latchkey = sharedLatchkey('bench', () => {
  const config = JSON.parse(
    readFileSync(process.env.LATCHKEY_BENCH_CONFIG ?? '', 'utf8'),
  ) as TargetConfig
  return createLatchkey({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    redirectUri: `${process.env.LATCHKEY_BENCH_ORIGIN}/auth/callback`,
    secrets: config.secrets,
    mode: process.env.LATCHKEY_BENCH_MODE === 'session' ? 'session' : 'cookie',
    store: redisStore({ url: config.redisUrl, prefix: config.prefix }),
  })
})

export const { auth } = latchkeyNext(latchkey)
