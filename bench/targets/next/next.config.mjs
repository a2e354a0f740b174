import { fileURLToPath } from 'node:url'
import { sourceAliases } from '../../../examples/next-demo/source_aliases.mjs'

/** @type {import('next').NextConfig} */
export default {
  // Packages from their sources, as in the demo's Next app.
  turbopack: sourceAliases(fileURLToPath(new URL('.', import.meta.url))),
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ['ioredis', 'pg'],
  poweredByHeader: false,
}
