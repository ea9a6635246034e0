import { afterAll, describe, expect, it } from 'vitest'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { JobManager } from '../../src/main/jobs/job-manager'
import { createCompareService, type CompareService } from '../../src/main/compare/compare-service'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { makeTinyModel } from '../../src/core/library/make-test-folders'
import { tempDir } from '../helpers/tiny-model'
import { vocabTruthTable } from '../../src/core/vocab/vocab-truth-table'

const QWEN3 = join(__dirname, '../fixtures/tokenizers/qwen3')
/**
 * Longest the main event loop may stall while Qwen3 is planned. Planned inline on the main thread
 * it stalls for seconds (1.1 s on an idle machine; 4.5–7 s on the loaded 2-core test VM). In the
 * worker, what remains is receiving the 12 MB plan (it carries the edited tokenizer.json) — 150–500 ms
 * on the loaded VM, where CPU contention also delays ticks by up to ~200 ms — so the bound sits
 * between the two rather than at the 200 ms an idle machine would meet.
 */
const MAX_LAG_MS = 1000

/** Runs `f` while a 10 ms interval measures how late its ticks fire: the main loop's longest stall. */
async function maxLag<T>(f: () => Promise<T>): Promise<{ value: T; lagMs: number }> {
  let last = performance.now()
  let lagMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    lagMs = Math.max(lagMs, now - last - 10)
    last = now
  }, 10)
  try {
    const value = await f()
    return { value, lagMs }
  } finally {
    clearInterval(timer)
  }
}

describe('planning that parses tokenizers runs off the main thread', () => {
  const services: CompareService[] = []
  afterAll(async () => {
    for (const s of services) await s.close()
  })

  it('tokens-add planning with Qwen3 (11 MB tokenizer.json) goes to the tokenizer thread and never stalls the main loop', async () => {
    const dir = await tempDir()
    const base = join(dir, 'qwen-tiny')
    await makeTinyModel(base, { vocab: 151_936, hidden: 2, tokenizer: false })
    await copyFile(join(QWEN3, 'tokenizer.json'), join(base, 'tokenizer.json'))
    await copyFile(join(QWEN3, 'tokenizer_config.json'), join(base, 'tokenizer_config.json'))
    const inner = createCompareService()
    services.push(inner)
    const calls: string[] = []
    const compare: CompareService = { ...inner, planOperation: (req, signal) => (calls.push(req.kind), inner.planOperation(req, signal)) }
    const jobs = new JobManager(inProcessRunner(), { compare })
    // Warm the thread (tsx and the tokenizers addon load once per thread), as the app's first request would.
    await inner.vocabTable({ path: join(__dirname, '../../resources/demo/base') })
    const { value, lagMs } = await maxLag(() => jobs.plan({ kind: 'tokens-add', params: { base, out: join(dir, 'out'), tokens: [{ content: '<tool_call_x>', special: true }], init: 'mean' } }))
    expect(calls).toEqual(['tokens-add'])
    expect(value.plan.files.some((f) => f.path === 'tokenizer.json')).toBe(true)
    console.log(`main-loop stall while planning tokens-add for Qwen3 in the worker: ${lagMs.toFixed(0)} ms`)
    expect(lagMs).toBeLessThan(MAX_LAG_MS)
  }, 120_000)

  it('the truth table after a row scan (token strings of untrained rows) is built on the tokenizer thread', async () => {
    const calls: unknown[] = []
    const compare = {
      vocabTable: async (p: Parameters<CompareService['vocabTable']>[0]) => (calls.push(p), vocabTruthTable({ dir: p.path, scan: p.scan })),
    } as unknown as CompareService
    const jobs = new JobManager(inProcessRunner(), { compare })
    const demo = join(__dirname, '../../resources/demo/base')
    const done = await jobs.wait(jobs.start({ kind: 'scan', params: { path: demo } }))
    expect(done.state, JSON.stringify(done.error)).toBe('done')
    expect(calls).toEqual([{ path: demo, scan: { untrainedEmbed: [3, 4, 5, 6, 7, 8], untrainedHead: expect.any(Array), head: expect.anything() } }])
    expect((done.result as { untrained: unknown[] }).untrained.length).toBeGreaterThan(0)
  }, 60_000)
})
