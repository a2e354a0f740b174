/**
 * `npm run bench [verify|http|stores]`: every suite, or the ones named. Each prints ops/s and
 * the ratio to a baseline measured in the same rounds (see harness.ts).
 */
import { benchHttp } from './http.ts'
import { benchStores } from './stores.ts'
import { benchVerify } from './verify.ts'

const suites = { verify: benchVerify, http: benchHttp, stores: benchStores }
const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !(name in suites))
if (unknown.length) {
  console.error(`unknown suite: ${unknown.join(', ')} (have: ${Object.keys(suites).join(', ')})`)
  process.exit(2)
}
console.log(`node ${process.version}, ${new Date().toISOString()}`)
for (const [name, suite] of Object.entries(suites))
  if (!wanted.length || wanted.includes(name)) await suite()
process.exit(0)
