import { fileURLToPath } from 'node:url'
import { sourceAliases } from './source_aliases.mjs'

/** @type {import('next').NextConfig} */
export default {
  turbopack: sourceAliases(fileURLToPath(new URL('.', import.meta.url))),
  // The repository's own `tsc -p tsconfig.json` checks these files; the build need not again.
  typescript: { ignoreBuildErrors: true },
  // The stores' drivers load native or optional modules: Node loads them at run time.
  serverExternalPackages: ['ioredis', 'pg'],
  poweredByHeader: false,
  reactStrictMode: true,
}
