import { authRoutes } from '@latchkey/next'
import { latchkey } from '../../../lib/latchkey.ts'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = authRoutes(latchkey)
