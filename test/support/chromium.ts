import { type Browser, chromium } from 'playwright-core'

/**
 * Launches Debian's Chromium (installed by `.ci/run`; Playwright never downloads a browser
 * here). The flags keep it from reaching for Google's hosts, which this machine's closed
 * network refuses, and let it run as root in CI.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
