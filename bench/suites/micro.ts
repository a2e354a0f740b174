/**
 * In-process micro-benchmarks (no HTTP): access-token verification against jose's own
 * `jwtVerify`, and the stores' get/set under 32 operations in flight.
 */
import { benchStores } from './micro_stores.ts'
import { benchVerify } from './micro_verify.ts'

export async function benchMicro() {
  return { verify: await benchVerify(), stores: await benchStores() }
}
