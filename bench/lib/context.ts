/**
 * What every suite shares: the bench's issuer, the servers' configuration (and the file it is
 * written to, for their command line), the load generator and a scratch directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetConfig } from '../targets/config.ts'
import { CLIENT_ID, type Issuer, startIssuer } from './issuer.ts'
import { type LoadGenerator, startLoadGenerator } from './load.ts'
import { dropPrefix } from './seed.ts'

export interface BenchContext {
  issuer: Issuer
  config: TargetConfig
  configFile: string
  load: LoadGenerator
  dir: string
  log: (line: string) => void
}

export async function openContext(
  log: (line: string) => void,
): Promise<BenchContext & { close(): Promise<void> }> {
  const issuer = await startIssuer()
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'))
  const config: TargetConfig = {
    issuer: issuer.issuer,
    clientId: CLIENT_ID,
    clientSecret: 'bench-client-secret-0123456789abcdef',
    secrets: ['bench-secret-0123456789abcdef0123456789abcdef'],
    redisUrl: process.env.LATCHKEY_REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `latchkey-bench-${process.pid}:`,
    publicKeyPem: issuer.publicKeyPem,
    cookieSecret: 'bench-cookie-secret-0123456789abcdef0123',
  }
  const configFile = join(dir, 'config.json')
  writeFileSync(configFile, JSON.stringify(config))
  const load = await startLoadGenerator()
  return {
    issuer,
    config,
    configFile,
    load,
    dir,
    log,
    async close() {
      await load.stop()
      issuer.close()
      await dropPrefix(config.redisUrl, config.prefix)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
