import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const APACHE = '/usr/sbin/apache2'
const MODULES = '/usr/lib/apache2/modules'

/** Why Apache with mod_auth_openidc cannot run here, or `undefined` when it can. */
export function apacheMissing(): string | undefined {
  if (!existsSync(APACHE)) return `${APACHE} is not installed (Debian package apache2)`
  if (!existsSync(`${MODULES}/mod_auth_openidc.so`))
    return 'mod_auth_openidc is not installed (Debian package libapache2-mod-auth-openidc)'
  return undefined
}

/** A free loopback port (the configuration needs it before Apache starts). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

export interface Apache {
  url: string
  /** Apache's error log so far (mod_auth_openidc logs there), for failure messages. */
  log(): string
  close(): Promise<void>
}

/**
 * A real Apache httpd in the foreground (`-X`: one process, ours to stop) with its own
 * configuration in a temporary directory, listening on `port`. `site` is the configuration
 * after the server basics (modules, paths, logs); `files` go under the document root.
 */
export async function startApache(
  port: number,
  site: string,
  files: Record<string, string> = {},
): Promise<Apache> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-apache-'))
  // Run as root, Apache serves as www-data, which must be able to read the document root.
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'htdocs'))
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, 'htdocs', name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content)
  }
  const modules = ['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'mime', 'auth_openidc']
  const conf = `
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${dir}/httpd.pid"
DefaultRuntimeDir "${dir}"
Mutex file:${dir} default
ErrorLog "${dir}/error.log"
LogLevel warn auth_openidc:info
${modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`).join('\n')}
${process.getuid?.() === 0 ? 'User www-data\nGroup www-data' : ''}
TypesConfig /etc/mime.types
DocumentRoot "${dir}/htdocs"
${site}
`
  writeFileSync(join(dir, 'httpd.conf'), conf)
  const child: ChildProcess = spawn(APACHE, ['-X', '-d', dir, '-f', join(dir, 'httpd.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const log = () => {
    const file = join(dir, 'error.log')
    return `${output}${existsSync(file) ? readFileSync(file, 'utf8') : ''}`
  }
  const url = `http://127.0.0.1:${port}`
  const exited = once(child, 'exit')
  // Ready when it answers; or it failed to start, and its log says why.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`apache did not start:\n${log()}`)
    const up = await fetch(url, { redirect: 'manual' }).then(
      () => true,
      () => false,
    )
    if (up) break
    if (attempt > 200) {
      child.kill('SIGKILL')
      throw new Error(`apache did not answer:\n${log()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    log,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
