#!/usr/bin/env node
import { text } from 'node:stream/consumers'
import { main } from './cli.ts'

const code = await main(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  stdin: () => text(process.stdin),
})
process.exitCode = code
