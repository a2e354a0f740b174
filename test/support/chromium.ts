import type { Browser } from 'playwright-core'
import {
  BrowserUnavailable,
  launchChromium as launchSystemChromium,
  chromiumPath as systemChromiumPath,
} from '../../packages/cli/src/audit/browser.ts'

/**
 * Where the browser comes from, in order: `CHROMIUM_PATH`, a Chrome or Chromium the system
 * has (Debian's, installed by `.ci/run`) — found as `latchkey audit` finds it — else the
 * Chromium shipped inside the `@sparticuz/chromium` npm package, which `npm install` brings
 * and which unpacks locally. Playwright never downloads a browser here, and nothing is fetched
 * from anywhere but npm.
 */
export async function chromiumPath(): Promise<string> {
  try {
    return systemChromiumPath(process.env)
  } catch (error) {
    if (!(error instanceof BrowserUnavailable)) throw error
  }
  const { default: packaged } = await import('@sparticuz/chromium')
  return packaged.executablePath()
}

/**
 * Launches headless Chromium for the end-to-end suites, with the audit's own flags: no calls
 * to Google's hosts (this machine's closed network refuses them), runnable as root in CI.
 */
export async function launchChromium(): Promise<Browser> {
  return launchSystemChromium({ ...process.env, CHROMIUM_PATH: await chromiumPath() })
}
