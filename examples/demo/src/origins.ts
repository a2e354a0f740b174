/** The demo stack's origins, exactly as CONTRACT.md lists them. */
export const ORIGINS = {
  idp: 'http://idp.localhost:4000',
  app: 'http://app.localhost:3000',
  api: 'http://api.localhost:4001',
  admin: 'http://admin.localhost:3001',
  next: 'http://next.localhost:3002',
} as const

export const portOf = (origin: string) => Number(new URL(origin).port)
