/** What the IdP process (idp.ts) is started with. */
export interface IdpSetup {
  port: number
  redisUrl: string
  prefix: string
  /** Accounts `user-0` … `user-<users - 1>`, all with `PASSWORD`. */
  users: number
  client: { id: string; secret: string; redirectUri: string; origin: string }
}

export const PASSWORD = 'correct horse battery staple'
