import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Budget } from './budget.ts'
import type { SignedIn } from './item.ts'
import { type Cookie, csrfCookie } from './jar.ts'

/** How to sign in: a username and password typed into the IdP's form, or the user's own script. */
export type Login =
  | { kind: 'password'; username: string; password: string }
  | { kind: 'script'; file: string }

/** The sign-in script's signature: it gets the page at the login URL and signs in. */
export type LoginScript = (
  page: Page,
  context: { appUrl: string; loginUrl: string },
) => Promise<void>

export class BrowserUnavailable extends Error {
  override name = 'BrowserUnavailable'
}

const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `CHROMIUM_PATH`, else a Chrome or Chromium on the PATH. Nothing is ever downloaded. */
export function chromiumPath(env: NodeJS.ProcessEnv): string {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH
  for (const name of SYSTEM_BROWSERS)
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      const path = join(dir, name)
      if (executable(path)) return path
    }
  throw new BrowserUnavailable('no Chromium found: install one or set CHROMIUM_PATH')
}

/** playwright-core is an optional peer: loaded only when a sign-in is asked for. */
export async function launchChromium(env: NodeJS.ProcessEnv): Promise<Browser> {
  let chromium: typeof import('playwright-core').chromium
  try {
    ;({ chromium } = await import('playwright-core'))
  } catch {
    throw new BrowserUnavailable('--login needs playwright-core: npm install playwright-core')
  }
  return chromium.launch({
    executablePath: chromiumPath(env),
    headless: true,
    // No calls home to Google's services; runs as root in containers.
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

/** Types the credentials into the IdP's form: a username field, a password field, Enter. */
async function typePassword(page: Page, username: string, password: string, done: () => boolean) {
  // Up to two screens: some IdPs ask for the username first, then the password.
  for (let screen = 0; screen < 2 && !done(); screen++) {
    const user = page
      .locator(
        'input[autocomplete=username], input[type=email], input[name*=user i], input[name*=login i], input[id*=user i], input[type=text]',
      )
      .first()
    const secret = page.locator('input[type=password]').first()
    if (await user.isVisible()) await user.fill(username)
    const last = (await secret.isVisible()) ? secret : user
    if (last === secret) await secret.fill(password)
    const url = page.url()
    await last.press('Enter')
    await page.waitForURL((u) => u.href !== url, { timeout: 15_000 })
    await page.waitForLoadState('load')
  }
}

export interface SignInOptions {
  appUrl: string
  loginPath: string
  /** A hostile return address to start the sign-in with (the open-redirect probe). */
  returnTo?: { param: string; value: string }
  login: Login
  budget: Budget
}

/** Signs in once, in a fresh browser context, and records what the app left behind. */
export async function signIn(browser: Browser, o: SignInOptions): Promise<SignedIn> {
  const app = new URL(o.appUrl)
  const context = await browser.newContext()
  try {
    return await signInWith(context, o, app)
  } finally {
    await context.close()
  }
}

async function signInWith(context: BrowserContext, o: SignInOptions, app: URL): Promise<SignedIn> {
  let reachedForeign = false
  // Every request the browser makes is on the audit's budget; past it, it is aborted.
  await context.route('**/*', (route) => (o.budget.trySpend() ? route.continue() : route.abort()))
  if (o.returnTo) {
    const foreign = new URL(o.returnTo.value, app).origin
    // The open-redirect probe never reaches the foreign site: its answer is made up here.
    await context.route(
      (url) => url.origin === foreign,
      (route) => {
        reachedForeign = true
        return route.fulfill({ status: 200, contentType: 'text/html', body: 'latchkey audit' })
      },
    )
  }
  const page = await context.newPage()
  const setCookies: Promise<string[]>[] = []
  page.on('response', (response) => {
    if (new URL(response.url()).host === app.host)
      setCookies.push(response.headerValues('set-cookie').catch(() => []))
  })
  const loginUrl = new URL(o.loginPath, app)
  if (o.returnTo) loginUrl.searchParams.set(o.returnTo.param, o.returnTo.value)
  const back = () => reachedForeign || new URL(page.url()).origin === app.origin
  await page.goto(loginUrl.href)
  if (o.login.kind === 'password')
    await typePassword(page, o.login.username, o.login.password, back)
  else {
    const script = (await import(pathToFileURL(o.login.file).href)) as { default?: LoginScript }
    if (typeof script.default !== 'function')
      throw new Error(
        `${o.login.file} must export a default async function (page, { appUrl, loginUrl })`,
      )
    await script.default(page, { appUrl: app.href, loginUrl: loginUrl.href })
  }
  await page.waitForURL((u) => reachedForeign || u.origin === app.origin, { timeout: 15_000 })
  // The app's page settles (its first calls to the API) before web storage is read.
  if (reachedForeign) await page.goto(app.href)
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined)
  const seen = await page.evaluate(() => {
    const read = (area: 'localStorage' | 'sessionStorage') =>
      Object.keys(window[area]).map((key) => ({
        area,
        key,
        value: window[area].getItem(key) ?? '',
      }))
    return {
      documentCookie: document.cookie,
      storage: [...read('localStorage'), ...read('sessionStorage')],
    }
  })
  const cookies = (await context.cookies()).filter(
    (c) => app.hostname === c.domain.replace(/^\./, '') || app.hostname.endsWith(c.domain),
  ) as Cookie[]
  return {
    cookies,
    setCookies: (await Promise.all(setCookies)).flat(),
    ...seen,
    landedAt: page.url(),
    csrfToken: csrfCookie(cookies)?.value,
    ...(o.returnTo ? { returnTo: { probe: o.returnTo.value, reachedForeign } } : {}),
  }
}
