import { resolveLocalhostNames } from './localhost_lookup.ts'

// Loaded with `--import` by processes the stack starts (the Next app): *.localhost resolves
// to loopback there too.
resolveLocalhostNames()
