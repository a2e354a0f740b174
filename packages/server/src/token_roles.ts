import type { Store } from '@latchkey/store'
import { digest } from './lib/crypto.ts'

/**
 * Cookie mode with roles from the ID token or UserInfo (`roles.from`): a request brings only
 * the access token, so the roles obtained with it are kept in the store under its digest for
 * its lifetime, and remembered here (bounded, oldest first out): one store read per new token
 * per instance.
 */
export function tokenRoles(store: Store, cacheSize = 10_000) {
  const cache = new Map<string, string[]>()
  const remember = (key: string, roles: string[]) => {
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string)
    cache.set(key, roles)
  }
  return {
    async save(accessToken: string, roles: string[], ttl: number): Promise<void> {
      const key = digest(accessToken)
      await store.set('roles', key, roles, { ttl: Math.max(ttl, 1) })
      remember(key, roles)
    },
    async of(accessToken: string): Promise<string[]> {
      const key = digest(accessToken)
      let roles = cache.get(key)
      if (!roles) {
        roles = (await store.get<string[]>('roles', key)) ?? []
        remember(key, roles)
      }
      return roles
    },
  }
}
