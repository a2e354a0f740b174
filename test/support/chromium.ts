import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'

/** Browsers a machine may already have, by the names Debian and Google install them under. */
const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const onPath = (name: string) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find(executable)

/**
 * Where the browser comes from, in order: `CHROMIUM_PATH`, a Chrome or Chromium the system
 * has (Debian's, installed by `.ci/run`), else the Chromium shipped inside the
 * `@sparticuz/chromium` npm package, which `npm install` brings and which unpacks locally.
 * Playwright never downloads a browser here, and nothing is fetched from anywhere but npm.
 */
export async function chromiumPath(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH
  if (configured) return configured
  for (const name of SYSTEM_BROWSERS) {
    const found = onPath(name)
    if (found) return found
  }
  const { default: packaged } = await import('@sparticuz/chromium')
  return packaged.executablePath()
}

/**
 * Launches headless Chromium for the end-to-end suites. The flags keep it from reaching for
 * Google's hosts, which this machine's closed network refuses, and let it run as root in CI.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  })
}
