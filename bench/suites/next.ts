/**
 * The cost of `auth()` on a page Next.js renders on the server (issue 15): the same page at
 * /plain (no auth) and /authed (`auth()` from @latchkey/next), served by `next start` in a
 * process of its own and measured with the requests suite's load generator, users and
 * interleaved rounds. Cookie mode verifies the access cookie (a cached ES256 verification);
 * session mode reads the session from Redis as well. No proxy (middleware) runs: the page
 * alone is compared.
 */
import type { BenchContext } from '../lib/context.ts'
import { buildNextTarget } from '../targets/next.ts'
import {
  benchRequests,
  type CaseSpec,
  type Comparison,
  type RequestSettings,
  type RequestsResult,
} from './requests.ts'

export const NEXT_CASES: CaseSpec[] = [
  {
    id: 'next-plain',
    label: 'Next.js page, no auth',
    target: 'next:cookie',
    pool: 'access',
    path: '/plain',
  },
  {
    id: 'next-auth-cookie',
    label: 'Next.js page + auth(), cookie mode',
    target: 'next:cookie',
    pool: 'access',
    path: '/authed',
    baseline: 'next-plain',
  },
  {
    id: 'next-auth-session',
    label: 'Next.js page + auth(), session mode on Redis',
    target: 'next:session',
    pool: 'session',
    path: '/authed',
    baseline: 'next-plain',
  },
]

export const NEXT_COMPARISONS: Comparison[] = [
  { of: 'next-auth-cookie', to: 'next-plain' },
  { of: 'next-auth-session', to: 'next-plain' },
]

export async function benchNext(
  settings: RequestSettings,
  ctx: BenchContext,
): Promise<RequestsResult> {
  await buildNextTarget(ctx.log)
  return benchRequests(settings, ctx, { cases: NEXT_CASES, comparisons: NEXT_COMPARISONS })
}
