import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from './processes.ts'

export const REPO = join(import.meta.dirname, '..', '..', '..')
/** Installs reused between runs: keyed by everything that decides their content. */
const CACHE = join(tmpdir(), 'latchkey-consumer')
/** The consumer's own code, copied into the project as it is. */
const APP = join(import.meta.dirname, '..', 'app')

/**
 * What a consumer installs from the registry beside the tarballs: the frameworks and tools
 * the packages meet in an app. Pinned to the versions the repository itself tests with, so
 * npm finds them in its cache.
 */
const REGISTRY_DEPENDENCIES = [
  'express',
  'react',
  'react-dom',
  // Peer dependencies of the entry points the type check imports (./fastify, ./hono, ./axios).
  'fastify',
  'fastify-plugin',
  'hono',
  'axios',
  'vite',
  '@vitejs/plugin-react',
  '@types/node',
  '@types/express',
  '@types/react',
  '@types/react-dom',
]

export interface Pack {
  name: string
  filename: string
  /** Bytes of the .tgz. */
  size: number
  unpackedSize: number
  files: { path: string; mode: number }[]
  /** Where the tarball is. */
  path: string
}

export interface Consumer {
  /** The consumer project, outside the repository, with the tarballs installed. */
  dir: string
  packs: Pack[]
  /** A Node 22 binary from the npm registry's `node@22` package. */
  node22: string
}

const installedVersion = (name: string): string =>
  JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version

/**
 * The environment for npm and node children: without the variables of the npm process that
 * runs the tests (npm_config_*, npm_package_*), which would point a nested npm at the
 * repository, and without NODE_OPTIONS, so no condition of the repository's leaks in.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|INIT_CWD$)/i.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: cleanEnv() })

/**
 * Fills `dir` once: into a fresh sibling that is renamed into place when complete, so an
 * interrupted or concurrent install never leaves a half-filled `dir` behind to be reused.
 */
async function installOnce(dir: string, install: (staging: string) => Promise<void>) {
  const complete = join(dir, '.complete')
  if (existsSync(complete)) {
    const now = new Date()
    await utimes(complete, now, now) // in use: see pruneProjects()
    return
  }
  await mkdir(CACHE, { recursive: true })
  const staging = await mkdtemp(`${dir}.staging-`)
  try {
    await install(staging)
    await writeFile(join(staging, '.complete'), '')
    await rename(staging, dir).catch((error) => {
      if (!existsSync(join(dir, '.complete'))) throw error
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/**
 * Removes the projects (and interrupted installs) of other tarballs that no run has used for
 * an hour — not at once, since another run (of other sources) may be using its own now.
 */
async function pruneProjects() {
  const stale = Date.now() - 3_600_000
  for (const entry of existsSync(CACHE) ? readdirSync(CACHE) : []) {
    if (!entry.startsWith('project-')) continue
    const dir = join(CACHE, entry)
    const marker = existsSync(join(dir, '.complete')) ? join(dir, '.complete') : dir
    // Another run may have removed it meanwhile.
    const used = statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()
    if (used < stale) await rm(dir, { recursive: true, force: true })
  }
}

/** Builds every package with tsc and packs it as `npm publish` would, into `dest`. */
export async function packAll(dest: string): Promise<Pack[]> {
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
  await run(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: REPO,
    env: cleanEnv(),
  })
  const workspaces = readdirSync(join(REPO, 'packages')).flatMap((name) => [
    '-w',
    `packages/${name}`,
  ])
  // The build just ran: no prepack/prepare scripts (they would build again).
  const { stdout } = await npm(
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, ...workspaces],
    REPO,
  )
  return (JSON.parse(stdout) as Omit<Pack, 'path'>[]).map((pack) => ({
    ...pack,
    path: join(dest, pack.filename),
  }))
}

/** Node 22 from the npm registry (the `node` package brings the binary for this platform). */
async function node22(): Promise<string> {
  const dir = join(CACHE, 'node22')
  await installOnce(dir, async (staging) => {
    await writeFile(join(staging, 'package.json'), '{ "private": true }\n')
    await npm(['install', '--prefer-offline', 'node@22'], staging)
  })
  return join(dir, 'node_modules', 'node', 'bin', 'node')
}

/**
 * The consumer project in the OS temp dir: the packed tarballs (copied into it and installed
 * as files, not workspace links) and the registry dependencies, then the consumer's code.
 * The install is reused while the tarballs and dependencies are byte for byte the same.
 */
export async function installConsumer(packs: Pack[]): Promise<Consumer> {
  await pruneProjects()
  const dependencies: Record<string, string> = {}
  for (const pack of packs) dependencies[pack.name] = `file:packs/${pack.filename}`
  for (const name of REGISTRY_DEPENDENCIES) dependencies[name] = installedVersion(name)
  const manifest = `${JSON.stringify(
    { name: 'latchkey-consumer', private: true, type: 'module', dependencies },
    null,
    2,
  )}\n`
  const key = createHash('sha256').update(manifest)
  for (const pack of packs) key.update(readFileSync(pack.path))
  const name = `project-${key.digest('hex').slice(0, 16)}`
  const dir = join(CACHE, name)
  await installOnce(dir, async (staging) => {
    await mkdir(join(staging, 'packs'))
    for (const pack of packs) await cp(pack.path, join(staging, 'packs', pack.filename))
    await writeFile(join(staging, 'package.json'), manifest)
    await npm(['install', '--prefer-offline'], staging)
  })
  await cp(APP, dir, { recursive: true })
  return { dir, packs, node22: await node22() }
}
