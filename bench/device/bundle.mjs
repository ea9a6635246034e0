#!/usr/bin/env node
/**
 * Packs what the accelerator machine needs to run Graft next to PEFT (it has Python, torch and
 * PEFT but no Node) into .devcarry/ (git-ignored, carried by the device tool): an xz-compressed
 * copy of this Node binary, esbuild bundles of the generator (gen.ts), the bench job
 * (bench/job.ts) and the pool worker, piscina (which must stay a real package: it spawns its own
 * worker file), and the Python scripts. Then, on the device: `bash .devcarry/run.sh`.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const out = join(repo, '.devcarry')
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'node_modules', 'piscina'), { recursive: true })
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
  external: ['piscina', 'tokenizers'],
}
await build({ ...common, entryPoints: [join(repo, 'bench/device/gen.ts')], outfile: join(out, 'gen.mjs') })
await build({ ...common, entryPoints: [join(repo, 'bench/job.ts')], outfile: join(out, 'job.mjs') })
await build({ ...common, entryPoints: [join(repo, 'src/worker/graft-worker.ts')], outfile: join(out, 'graft-worker.mjs') })
cpSync(join(repo, 'node_modules/piscina/dist'), join(out, 'node_modules/piscina/dist'), { recursive: true })
copyFileSync(join(repo, 'node_modules/piscina/package.json'), join(out, 'node_modules/piscina/package.json'))
for (const f of ['peft_merge.py', 'compare.py', 'run.sh']) copyFileSync(join(repo, 'bench/device', f), join(out, f))
writeFileSync(join(out, 'node.xz'), execFileSync('xz', ['-9', '-T0', '-c', process.execPath], { maxBuffer: 1 << 30 }))
console.log(`packed ${out}; on the device: bash .devcarry/run.sh (carry .devcarry)`)
