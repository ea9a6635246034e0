/**
 * Writes Graft's merge of every golden case into a folder, for `generate.py verify` to load with
 * transformers on the machine that has torch (see test/fixtures/golden/README.md).
 * Usage: node --import tsx scripts/golden-outputs.ts OUT_DIR
 */
import { existsSync, readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { planOperation } from '../src/core/ops/operations'
import { runOperation } from '../src/core/ops/run-operation'
import { inProcessRunner } from '../src/core/exec/in-process-runner'

const out = resolve(process.argv[2] ?? '.golden-out')
const cases = resolve('test/fixtures/golden/cases')
for (const name of readdirSync(cases)) {
  const dir = join(cases, name)
  if (!existsSync(join(dir, "case.json"))) continue
  const adapters = existsSync(join(dir, "adapter")) ? [join(dir, 'adapter')] : readdirSync(dir).filter((d) => d.startsWith('adapter_')).sort().map((d) => join(dir, d))
  if (!existsSync(join(dir, 'case.json')) || adapters.length === 0) continue
  await rm(join(out, name), { recursive: true, force: true })
  const runner = inProcessRunner()
  const plan = await planOperation({ kind: 'merge', params: { base: join(dir, 'base'), adapters: adapters.map((a) => ({ dir: a })), out: join(out, name) } }, { runner })
  await runOperation({ plan, runner })
  console.log(`${name}: ${plan.decisions.map((d) => d.code).join(', ') || 'no decisions'}`)
}
