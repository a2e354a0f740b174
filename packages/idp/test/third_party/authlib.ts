import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// Debian's python3-authlib installs for Debian's own Python, whatever else is on the PATH.
const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./authlib_rp.py', import.meta.url))

/** Why the Authlib relying party cannot run here, or `undefined` when it can. */
export function authlibMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed (Debian package python3)`
  const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests'], { encoding: 'utf8' })
  if (probe.status !== 0)
    return 'Authlib is not installed (Debian packages python3-authlib python3-requests)'
  return undefined
}

export interface AuthlibConfig {
  issuer: string
  client_id: string
  client_secret: string
  redirect_uri: string
  post_logout_redirect_uri: string
  scope: string
}

/** What the script answers; `error` when Authlib raised (its class name, e.g. OAuthError). */
export type Answer = Record<string, unknown> & { error?: string; message?: string }

/** The Authlib relying party (authlib_rp.py) as a process that answers one command at a time. */
export function startAuthlib(config: AuthlibConfig) {
  const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] })
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  child.stdin.write(`${JSON.stringify(config)}\n`)
  return {
    async call(op: string, args: Record<string, unknown> = {}): Promise<Answer> {
      child.stdin.write(`${JSON.stringify({ op, ...args })}\n`)
      const { value, done } = await answers.next()
      if (done) throw new Error(`the Authlib relying party exited (${child.exitCode})`)
      return JSON.parse(value) as Answer
    },
    close() {
      child.stdin.end()
      child.kill()
    },
  }
}
