// What an app ships of the browser SDK.
export { createAuthClient } from '@latchkey/browser'
