import type { AxiosInstance, AxiosRequestConfig } from 'axios'
import type { AuthClient } from './auth_client.ts'

/**
 * Routes an axios instance through an AuthClient (the seeds use axios): the same cookies,
 * CSRF header and single shared refresh, by sending every request with the client's `fetch`
 * through axios's `fetch` adapter. No second copy of the refresh logic.
 *
 * @example
 * const api = withLatchkey(axios.create({ baseURL: 'http://api.localhost:4001' }), auth)
 */
export function withLatchkey<T extends AxiosInstance>(instance: T, client: AuthClient): T {
  instance.defaults.adapter = 'fetch'
  instance.defaults.withCredentials = true
  ;(instance.defaults as AxiosRequestConfig & { env?: { fetch?: typeof fetch } }).env = {
    ...(instance.defaults as { env?: object }).env,
    fetch: client.fetch,
  }
  return instance
}
