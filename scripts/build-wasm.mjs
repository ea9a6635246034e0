#!/usr/bin/env node
// Builds the SIMD kernels: assembly/kernels.ts -> resources/kernels.wasm (committed, so the app
// never needs asc at run time).
//
//   node scripts/build-wasm.mjs           build resources/kernels.wasm
//   node scripts/build-wasm.mjs --wat     also write resources/kernels.wat (not committed)
//   node scripts/build-wasm.mjs --check   build to a temp file; exit 1 if the committed .wasm differs
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js')
const source = join(root, 'assembly', 'kernels.ts')
const target = join(root, 'resources', 'kernels.wasm')
const args = new Set(process.argv.slice(2))

// SIMD only: no relaxed-simd (Node 20 rejects it without a flag, and its madd may fuse).
const common = [asc, source, '-O3', '--runtime', 'stub', '--enable', 'simd']

function run(extra) {
  const r = spawnSync(process.execPath, [...common, ...extra], { cwd: root, stdio: 'inherit' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (args.has('--check')) {
  const dir = mkdtempSync(join(tmpdir(), 'graft-wasm-'))
  try {
    const fresh = join(dir, 'kernels.wasm')
    run(['--outFile', fresh])
    const same = Buffer.compare(readFileSync(fresh), readFileSync(target)) === 0
    console.log(same ? 'resources/kernels.wasm is up to date' : 'resources/kernels.wasm is stale: run `node scripts/build-wasm.mjs`')
    process.exit(same ? 0 : 1)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
} else {
  const extra = ['--outFile', target]
  if (args.has('--wat')) extra.push('--textFile', join(root, 'resources', 'kernels.wat'))
  run(extra)
  console.log(`wrote ${target} (${readFileSync(target).length} bytes)`)
}
