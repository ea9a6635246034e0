/**
 * One benchmark job in its own process, so its peak RSS (main thread + pool workers) is measured
 * apart from the generator and the harness:
 *   node --import tsx bench/job.ts --case copy|merge|resize|tokens --base DIR --out DIR [--adapter DIR] [--threads N] [--worker-file F]
 * Prints one JSON line: timings, bytes, worker threads and process.resourceUsage().maxRSS.
 */
import { parseArgs } from 'node:util'
import { planOperation, type OperationRequest } from '../src/core/ops/operations'
import { runOperation } from '../src/core/ops/run-operation'
import { openCheckpoint } from '../src/core/safetensors/open-checkpoint'
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

/** The operation each case benchmarks (planned through the ops registry, like the CLI and the app). */
async function operation(kind: string, base: string, out: string): Promise<OperationRequest> {
  switch (kind) {
    case 'copy':
      return { kind: 'convert', params: { base, out, dtype: 'keep' } }
    case 'merge':
      if (!values.adapter) throw new Error('--adapter is required for --case merge')
      return { kind: 'merge', params: { base, adapters: [{ dir: values.adapter }], out } }
    case 'resize': {
      const embed = (await openCheckpoint({ dir: base })).tensors.get('model.embed_tokens.weight')
      return { kind: 'resize', params: { base, out, newSize: (embed?.shape[0] ?? 32000) + 1000, padToMultipleOf: 64, init: { kind: 'mean' } } }
    }
    case 'tokens': {
      // Seed 000: 18,196 new regular tokens on the Llama-3 tokenizer (128,256 → 146,452 rows).
      const tokens = Array.from({ length: SEED_000_TOKENS }, (_, i) => ({ content: `<tok_${i}_${((i * 2654435761) % 100000).toString(36)}>`, special: false }))
      return { kind: 'tokens-add', params: { base, out, tokens, init: 'trained-mean' } }
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
    const p = await planOperation(await operation(values.case!, values.base!, values.out!), { runner })
    const t1 = performance.now()
    let progressEvents = 0
    let verifyStart: number | null = null
    // runOperation verifies the output before moving it into place, as every job does; its share is reported apart.
    const res = await runOperation({
      plan: p,
      runner,
      onProgress: (x) => {
        progressEvents++
        if (x.phase === 'verifying') verifyStart ??= performance.now()
      },
    })
    const t2 = performance.now()
    const ru = process.resourceUsage()
    process.stdout.write(
      JSON.stringify({
        ok: true,
        case: values.case,
        planSec: (t1 - t0) / 1000,
        execSec: (t2 - t1) / 1000,
        verifySec: verifyStart === null ? null : (t2 - verifyStart) / 1000,
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
