import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { userInfo } from 'node:os'
import { join } from 'node:path'

/** Debian's nginx (`apt-get install nginx-light`), or undefined when it is not installed. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path))

export interface NginxSites {
  /** The backends' public port, and where each backend instance listens. */
  app: { port: number; upstreams: number[] }
  /** The IdP's public port (its issuer's), and where each IdP instance listens. */
  idp: { port: number; upstreams: number[] }
}

/**
 * The nginx configuration the harness runs — and docs/operations.md shows: round robin over
 * each pool, a request that cannot reach an instance (refused, reset before an answer, timed
 * out) passed on to the next one, and X-Forwarded-For/-Proto set by nginx itself. Everything
 * nginx writes stays under `dir`, so it runs as any user.
 */
export function nginxConfig(dir: string, sites: NginxSites): string {
  const pool = (name: string, ports: number[]) => `
  upstream ${name} {
${ports.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 32;
  }`
  const site = (port: number, upstream: string) => `
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      # $proxy_add_x_forwarded_for appends the peer's address: the last entry is nginx's word.
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # A refused, reset or silent instance: the request goes to the next one. POSTs only
      # when they never reached the first (nginx's default for non-idempotent methods): a
      # refresh sent twice would rotate twice. A 502/503 is the instance's own answer, kept.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
    }
  }`
  // As root, nginx would hand its workers to `nobody`; the temp paths below are ours.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : ''
  return `${user}daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${join(dir, 'access.log')} combined;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server_tokens off;
${pool('backends', sites.app.upstreams)}
${pool('idps', sites.idp.upstreams)}
${site(sites.app.port, 'backends')}
${site(sites.idp.port, 'idps')}
}
`
}

/** Starts nginx in the foreground on a generated configuration; resolves once it accepts. */
export async function startNginx(dir: string, sites: NginxSites) {
  if (!NGINX) throw new Error('nginx is not installed')
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'nginx.conf')
  writeFileSync(config, nginxConfig(dir, sites))
  // -e: the error log before the configuration is read, which the default would put in /var/log.
  const child: ChildProcess = spawn(
    NGINX,
    ['-e', join(dir, 'error.log'), '-p', dir, '-c', config],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Accepting connections is the sign: a request through it now would reach instances that
  // may not listen yet, and nginx would count that against them (max_fails).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`)
    const socket = connect(sites.app.port, '127.0.0.1')
    const open = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
    })
    socket.destroy()
    if (open) break
    if (i > 100) throw new Error(`nginx did not start: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    errors: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT') // graceful: finish, then exit
      await exited
    },
  }
}
