#!/usr/bin/env node
// Builds main, preload and renderer with electron-vite into out/. Works without the Electron
// binary (electron-vite reads only electron/package.json). Exits with electron-vite's status.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
const r = spawnSync(process.execPath, [cli, 'build', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
if (r.error) {
  console.error(`build: could not run electron-vite: ${r.error.message}`)
  process.exit(1)
}
process.exit(r.status ?? 1)
