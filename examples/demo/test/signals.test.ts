import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ORIGINS, portOf } from '../src/origins.ts'
import { gone, portFree, startDemoProcess } from './support/demo_process.ts'

// `npm start` under a supervisor (systemd, a container runtime, a CI job) that signals npm,
// not the Node process below it: the stack must stop all the same and free its four ports.

const PORTS = Object.values(ORIGINS).map(portOf)

describe('npm start, signalled through npm', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-signals-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  const portsFree = async () =>
    Object.fromEntries(await Promise.all(PORTS.map(async (p) => [p, await portFree(p)])))
  const allFree = Object.fromEntries(PORTS.map((p) => [p, true]))

  it('stops cleanly and frees all four ports when npm gets SIGTERM', async () => {
    const demo = await startDemoProcess(dataDir)
    expect(await portsFree()).toEqual(Object.fromEntries(PORTS.map((p) => [p, false])))
    demo.npm.kill('SIGTERM')
    // npm passes the signal on, the stack closes and exits 0, and npm exits with it.
    expect(await demo.exited).toEqual({ code: 0, signal: null })
    await gone(demo.stackPid)
    expect(demo.output()).toContain('SIGTERM: stopping')
    expect(await portsFree()).toEqual(allFree)
  })

  it('stops too when npm is killed outright and passes nothing on', async () => {
    const demo = await startDemoProcess(dataDir)
    demo.npm.kill('SIGKILL')
    await demo.exited
    await gone(demo.stackPid)
    expect(demo.output()).toContain('npm exited: stopping')
    expect(await portsFree()).toEqual(allFree)
  })
})
