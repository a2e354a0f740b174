import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../../../test/support/free_port.ts'

// Debian's python3-django and python3-authlib install for Debian's own Python.
const PYTHON = '/usr/bin/python3'
const APP_DIR = fileURLToPath(new URL('./django_rp/', import.meta.url))

/** Why the Django relying party cannot run here, or `undefined` when it can. */
export function djangoMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed (Debian package python3)`
  const probe = spawnSync(PYTHON, ['-c', 'import django, authlib, requests'], { encoding: 'utf8' })
  if (probe.status !== 0)
    return 'Django or Authlib is not installed (Debian packages python3-django python3-authlib python3-requests)'
  return undefined
}

export interface DjangoApp {
  base: string
  /** The tokens the app keeps for a session, read from its server-side store by Django. */
  sessionTokens(sessionKey: string): Record<string, unknown> | null
  /** What the server wrote to stderr so far, for failure messages. */
  log(): string
  close(): Promise<void>
}

/** django_rp (docs/recipes/django.md) under `manage.py runserver`, as a client of `issuer`. */
export async function startDjango(client: {
  issuer: string
  clientId: string
  clientSecret: string
}): Promise<DjangoApp> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const sessions = mkdtempSync(join(tmpdir(), 'latchkey-django-'))
  const env = {
    ...process.env,
    PYTHONUNBUFFERED: '1',
    DJANGO_SETTINGS_MODULE: 'rp.settings',
    DJANGO_SECRET_KEY: randomBytes(32).toString('base64url'),
    DJANGO_SESSION_DIR: sessions,
    LATCHKEY_ISSUER: client.issuer,
    LATCHKEY_CLIENT_ID: client.clientId,
    LATCHKEY_CLIENT_SECRET: client.clientSecret,
    LATCHKEY_POST_LOGOUT_REDIRECT_URI: `${base}/signed-out`,
    API_BASE_URL: base,
  }
  let stderr = ''
  // runserver is threaded: a page may call the app's own API while it renders.
  const child: ChildProcess = spawn(
    PYTHON,
    ['manage.py', 'runserver', '--noreload', `127.0.0.1:${port}`],
    { cwd: APP_DIR, env, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = once(child, 'exit')
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Django exited (${child.exitCode}): ${stderr}`)
    const up = await fetch(`${base}/signed-out`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    base,
    sessionTokens(sessionKey) {
      const read = spawnSync(
        PYTHON,
        [
          '-c',
          'import django, json, sys; django.setup()\n' +
            'from django.contrib.sessions.backends.file import SessionStore\n' +
            'print(json.dumps(SessionStore(sys.argv[1]).load().get("token")))',
          sessionKey,
        ],
        { cwd: APP_DIR, env, encoding: 'utf8' },
      )
      if (read.status !== 0) throw new Error(`reading the session failed: ${read.stderr}`)
      return JSON.parse(read.stdout) as Record<string, unknown> | null
    },
    log: () => stderr,
    async close() {
      if (child.exitCode === null) {
        child.kill()
        await exited
      }
      rmSync(sessions, { recursive: true, force: true })
    },
  }
}
