#!/usr/bin/env node
// The `graft` command: runs the TypeScript CLI through tsx (a runtime dependency), so the same
// sources serve the CLI, web mode and tests without a separate build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
