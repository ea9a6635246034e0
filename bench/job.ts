/**
 * One benchmark job in its own process, so its peak RSS (main thread + pool workers) is measured
 * apart from the generator and the harness:
 *   node --import tsx bench/job.ts --case copy|merge|resize|tokens --base DIR --out DIR [--adapter DIR] [--threads N] [--worker-file F]
 * Prints one JSON line: timings, bytes, worker threads and process.resourceUsage().maxRSS.
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { executePlan } from '../src/core/exec/execute-plan'
import { planMerge } from '../src/core/lora/plan-merge'
import { planConvert } from '../src/core/plan/plan-convert'
import type { Plan } from '../src/shared/plan'
import { createPoolRunner } from '../src/main/jobs/pool-runner'

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'copy' },
    base: { type: 'string' },
    out: { type: 'string' },
    adapter: { type: 'string' },
    threads: { type: 'string' },
    'worker-file': { type: 'string' },
  },
})

/** Tokens added by the 'tokens' case (seed 000 of the real-world findings). */
const SEED_000_TOKENS = 18_196

/** Planners by case. Resize is looked up at run time so the bench builds before it lands. */
const RESIZE_PLANNER = new URL('../src/core/vocab/plan-resize.ts', import.meta.url)

async function plan(kind: string, base: string, out: string): Promise<Plan> {
  switch (kind) {
    case 'copy':
      return planConvert({ base, out, dtype: 'keep' })
    case 'merge':
      if (!values.adapter) throw new Error('--adapter is required for --case merge')
      return planMerge({ base, adapters: [{ dir: values.adapter }], out })
    case 'resize': {
      if (!existsSync(RESIZE_PLANNER)) throw new Error('NOT_IMPLEMENTED')
      const mod = (await import(RESIZE_PLANNER.href)) as { planResize?: (req: unknown) => Promise<Plan> }
      if (typeof mod.planResize !== 'function') throw new Error('NOT_IMPLEMENTED')
      const { openCheckpoint } = await import('../src/core/safetensors/open-checkpoint')
      const embed = (await openCheckpoint({ dir: base })).tensors.get('model.embed_tokens.weight')
      return mod.planResize({ base, out, newSize: (embed?.shape[0] ?? 32000) + 1000, padToMultipleOf: 64, init: { kind: 'mean' } })
    }
    case 'tokens': {
      // Seed 000: 18,196 new regular tokens on the Llama-3 tokenizer (128,256 → 146,452 rows).
      const { planAddTokens } = await import('../src/core/vocab/plan-add-tokens')
      const tokens = Array.from({ length: SEED_000_TOKENS }, (_, i) => ({ content: `<tok_${i}_${((i * 2654435761) % 100000).toString(36)}>`, special: false }))
      return (await planAddTokens({ base, out, tokens, init: 'trained-mean' })).plan
    }
    default:
      throw new Error(`unknown case ${kind}`)
  }
}

async function main(): Promise<void> {
  const t0 = performance.now()
  const threads = values.threads ? Number(values.threads) : undefined
  // A bundled worker file (as the app ships) starts in milliseconds; the source one loads tsx per thread.
  const runner = createPoolRunner({ threads, workerFile: values['worker-file'] })
  try {
    const p = await plan(values.case!, values.base!, values.out!)
    const t1 = performance.now()
    let progressEvents = 0
    const res = await executePlan({ plan: p, runner, onProgress: () => progressEvents++ })
    const t2 = performance.now()
    const ru = process.resourceUsage()
    process.stdout.write(
      JSON.stringify({
        ok: true,
        case: values.case,
        planSec: (t1 - t0) / 1000,
        execSec: (t2 - t1) / 1000,
        bytesWritten: res.bytesWritten,
        tensors: p.tensors.length,
        shards: p.output.shards.length,
        workerThreads: runner.concurrency,
        workerFile: values['worker-file'] ? 'bundled' : 'source (tsx)',
        maxRssBytes: ru.maxRSS * 1024,
        cpuSec: (ru.userCPUTime + ru.systemCPUTime) / 1e6,
        estimatedPeakBytes: p.estimates.peakMemoryBytes,
        progressEvents,
      }) + '\n',
    )
  } catch (e) {
    const err = e as Error & { code?: string }
    process.stdout.write(JSON.stringify({ ok: false, case: values.case, notImplemented: err.message === 'NOT_IMPLEMENTED', error: `${err.code ?? err.name}: ${err.message}` }) + '\n')
    process.exitCode = 1
  } finally {
    await runner.close()
  }
}

await main()
