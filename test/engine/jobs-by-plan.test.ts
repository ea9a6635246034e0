import { afterEach, describe, expect, it, vi } from 'vitest'
import { existsSync } from 'node:fs'
import { appendFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { JobManager, MAX_KEPT_PLANS, PLAN_TTL_MS } from '../../src/main/jobs/job-manager'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import type { TaskRunner, WorkerTask } from '../../src/core/exec/worker-task'
import { randn, tempDir, writeAdapter, writeModel } from '../helpers/tiny-model'

const V = 12
const H = 8

/** A tiny base whose embedding rows 3 and 4 are untrained (all zeros), with a tokenizer-free config. */
async function base(dir: string): Promise<string> {
  const embed = randn(V * H, 1)
  for (const r of [3, 4]) embed.fill(0, r * H, (r + 1) * H)
  return writeModel(dir, {
    'model.embed_tokens.weight': { dtype: 'F32', shape: [V, H], values: embed },
    'model.layers.0.self_attn.q_proj.weight': { dtype: 'F32', shape: [H, H], values: randn(H * H, 2) },
    'lm_head.weight': { dtype: 'F32', shape: [V, H], values: randn(V * H, 3) },
  }, { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, hidden_size: H, tie_word_embeddings: false })
}

/** The in-process runner, counting the row-scan tasks that read `dir`'s files. */
function countingRunner(dir: string): TaskRunner & { scans: number } {
  const inner = inProcessRunner()
  const r = {
    scans: 0,
    concurrency: inner.concurrency,
    run(task: WorkerTask, signal: AbortSignal) {
      if (task.kind === 'rows' && task.scan.tensor.file.startsWith(dir + '/')) r.scans++
      return inner.run(task, signal)
    },
  }
  return r
}

afterEach(() => vi.restoreAllMocks())

describe('jobs.plan → jobs.start by plan id', () => {
  it('runs exactly the reviewed untrained-fix plan: the rows are scanned once, not again at start', async () => {
    const dir = await tempDir()
    const b = await base(join(dir, 'base'))
    const runner = countingRunner(b)
    const jobs = new JobManager(runner)
    const { planId, plan } = await jobs.plan({ kind: 'untrained-fix', params: { base: b, out: join(dir, 'fixed') } })
    const scansAtPlan = runner.scans
    expect(scansAtPlan).toBeGreaterThan(0)
    expect(plan.decisions.length + plan.tensors.length).toBeGreaterThan(0)
    const { id, outDir } = await jobs.startPlan({ planId })
    expect(outDir).toBe(join(dir, 'fixed'))
    const done = await jobs.wait(id)
    expect(done.state, JSON.stringify(done.error)).toBe('done')
    expect(done.kind).toBe('untrained-fix')
    expect(runner.scans).toBe(scansAtPlan)
    expect(done.result).toMatchObject({ outDir: join(dir, 'fixed'), verification: { ok: true } })
  })

  it('refuses with PLAN_STALE, naming the file, when an input changed after planning', async () => {
    const dir = await tempDir()
    const b = await base(join(dir, 'base'))
    const jobs = new JobManager(inProcessRunner())
    const { planId } = await jobs.plan({ kind: 'resize', params: { base: b, out: join(dir, 'resized'), newSize: 16, init: 'mean' } })
    await appendFile(join(b, 'config.json'), '\n')
    await expect(jobs.startPlan({ planId })).rejects.toMatchObject({ code: 'PLAN_STALE', file: join(b, 'config.json'), message: expect.stringContaining('config.json changed size') })
    expect(jobs.list()).toEqual([])
    // Rewritten with the same size: still noticed (modification time / inode).
    const { planId: again } = await jobs.plan({ kind: 'resize', params: { base: b, out: join(dir, 'resized'), newSize: 16, init: 'mean' } })
    const st = (await import('node:fs')).statSync(join(b, 'model.safetensors'))
    await writeFile(join(b, 'model.safetensors'), (await import('node:fs')).readFileSync(join(b, 'model.safetensors')))
    expect((await import('node:fs')).statSync(join(b, 'model.safetensors')).size).toBe(st.size)
    await expect(jobs.startPlan({ planId: again })).rejects.toMatchObject({ code: 'PLAN_STALE', message: expect.stringContaining('model.safetensors') })
    expect(existsSync(join(dir, 'resized'))).toBe(false)
  })

  it('an unknown, evicted or expired plan id is PLAN_STALE; the last plans are kept', async () => {
    const dir = await tempDir()
    const b = await base(join(dir, 'base'))
    const jobs = new JobManager(inProcessRunner())
    await expect(jobs.startPlan({ planId: 'nope' })).rejects.toMatchObject({ code: 'PLAN_STALE' })
    const ids: string[] = []
    for (let i = 0; i <= MAX_KEPT_PLANS; i++) ids.push((await jobs.plan({ kind: 'resize', params: { base: b, out: join(dir, `r${i}`), newSize: 16, init: 'mean' } })).planId)
    await expect(jobs.startPlan({ planId: ids[0] })).rejects.toMatchObject({ code: 'PLAN_STALE' })
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now + PLAN_TTL_MS + 1)
    await expect(jobs.startPlan({ planId: ids.at(-1)! })).rejects.toMatchObject({ code: 'PLAN_STALE' })
  })

  it('overwrite is an option of the start, not of the plan: the same plan runs again over its output', async () => {
    const dir = await tempDir()
    const b = await base(join(dir, 'base'))
    const jobs = new JobManager(inProcessRunner())
    const { planId } = await jobs.plan({ kind: 'resize', params: { base: b, out: join(dir, 'resized'), padToMultipleOf: 16, init: 'mean' } })
    expect((await jobs.wait((await jobs.startPlan({ planId })).id)).state).toBe('done')
    const again = await jobs.wait((await jobs.startPlan({ planId })).id)
    expect(again.error?.code).toBe('OUTPUT_EXISTS')
    expect((await jobs.wait((await jobs.startPlan({ planId, overwrite: true })).id)).state).toBe('done')
  })

  it('an output with NaN made by the adapter is a failed job (NONFINITE), not a log line', async () => {
    const dir = await tempDir()
    const b = await base(join(dir, 'base'))
    const A = randn(2 * H, 4, 0.1)
    A[1] = NaN
    const ad = await writeAdapter(join(dir, 'ad'), {
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [2, H], values: A },
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': { dtype: 'F32', shape: [H, 2], values: randn(2 * H, 5, 0.1) },
    }, { target_modules: ['q_proj'] })
    const jobs = new JobManager(inProcessRunner())
    const { planId } = await jobs.plan({ kind: 'merge', params: { base: b, adapters: [{ dir: ad }], out: join(dir, 'merged') } })
    const failed = await jobs.wait((await jobs.startPlan({ planId })).id)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatchObject({ code: 'NONFINITE', tensor: 'model.layers.0.self_attn.q_proj.weight' })
    expect(existsSync(join(dir, 'merged'))).toBe(false)
    const kept = await jobs.wait((await jobs.startPlan({ planId, allowNonFinite: true })).id)
    expect(kept.state).toBe('done')
    expect(kept.result).toMatchObject({ verification: { ok: false, nonFinite: [{ tensor: 'model.layers.0.self_attn.q_proj.weight' }] } })
  })

  it('jobs.start never takes an output-writing request directly', async () => {
    const jobs = new JobManager(inProcessRunner())
    const id = jobs.start({ kind: 'merge', params: { base: '/a', adapters: [{ dir: '/b' }], out: '/c' } } as never)
    expect((await jobs.wait(id)).error?.code).toBe('BAD_REQUEST')
  })
})
