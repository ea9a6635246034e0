import { fileURLToPath } from 'node:url'
import type { TokensPreview, TokensPreviewParams } from '../../shared/api'
import type { VocabTruthTable } from '../../shared/vocab'
import type { Plan } from '../../shared/plan'
import type { OperationRequest } from '../../core/ops/operations'
import type { UntrainedRows } from '../../core/vocab/vocab-truth-table'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type {
  CompareChatEntry,
  CompareChatParams,
  CompareCorpusParams,
  CompareProgress,
  CompareTextParams,
  CompareTextResult,
  CompareVocabCsvParams,
  CompareVocabDiffParams,
  MetricsResult,
  VocabDiffResult,
} from '../../shared/compare'
import { CancelledError, decodeWorkerError, errorFromInfo, GraftError } from '../../core/errors'
import type { CompareTask } from '../../worker/compare-worker'
import { workerExecArgv } from '../jobs/worker-exec-argv'

/** The compare worker when running from source (tsx); the Electron build passes its bundled chunk instead. */
export function sourceCompareWorkerFile(): string {
  return fileURLToPath(new URL('../../worker/compare-worker.ts', import.meta.url))
}

/** How long an idle interactive thread keeps its loaded tokenizers (they take seconds to load, ~100 MB each). */
export const INTERACTIVE_IDLE_MS = 5 * 60_000
/** A corpus thread is let go soon after its job: its tokenizers are not reused by the screens. */
export const JOB_IDLE_MS = 10_000

/**
 * Tokenizer comparison off the main process. Two one-thread lanes of the compare worker:
 * `interactive` (text view, vocabulary diff, CSV, chat) keeps its tokenizer cache warm between
 * requests, and `jobs` runs corpus metrics, so a long corpus never holds up the screen. Threads
 * start on first use and stop when idle. Errors come back as GraftError with their code.
 */
export interface CompareService {
  text(p: CompareTextParams, signal?: AbortSignal): Promise<CompareTextResult>
  /** Corpus metrics; `signal` cancels (the worker thread is terminated), progress comes from the worker. */
  corpus(p: CompareCorpusParams, opts?: { signal?: AbortSignal; onProgress?: (p: CompareProgress) => void }): Promise<MetricsResult>
  vocabDiff(p: CompareVocabDiffParams, signal?: AbortSignal): Promise<VocabDiffResult>
  vocabCsv(p: CompareVocabCsvParams, signal?: AbortSignal): Promise<{ csv: string }>
  /** One entry per tokenizer, in order: a rendering or the error of that tokenizer alone. */
  chat(p: CompareChatParams, signal?: AbortSignal): Promise<CompareChatEntry[]>
  /** The add-tokens preview (parses tokenizer.json twice: seconds for big vocabularies). */
  tokensPreview(p: TokensPreviewParams, signal?: AbortSignal): Promise<TokensPreview>
  /** The vocabulary truth table (reads tokenizer.json); with `scan`, the untrained rows get their token strings. */
  vocabTable(p: { path: string; scan?: UntrainedRows }, signal?: AbortSignal): Promise<VocabTruthTable>
  /** Plans an operation whose planning parses tokenizers (add tokens): seconds of work kept off the main process. */
  planOperation(req: OperationRequest, signal?: AbortSignal): Promise<Plan>
  close(): Promise<void>
}

export interface CompareServiceOptions {
  /** The worker entry: the bundled `?modulePath` chunk in Electron; the .ts source (run through tsx) otherwise. */
  workerFile?: string
  interactiveIdleMs?: number
  jobIdleMs?: number
}

export function createCompareService(opts: CompareServiceOptions = {}): CompareService {
  const filename = opts.workerFile ?? sourceCompareWorkerFile()
  const lanes: { interactive: Piscina | null; jobs: Piscina | null } = { interactive: null, jobs: null }
  /** Tasks running or queued on each lane: a failed thread fails them all at once (piscina would leave the queued ones waiting forever). */
  const inFlight: Record<keyof typeof lanes, Set<AbortController>> = { interactive: new Set(), jobs: new Set() }
  let closed = false
  /** The lane's thread failed to load or died: every task on it fails with WORKER_FAILED, and the next request starts a fresh thread. */
  const laneFailed = (which: keyof typeof lanes, pool: Piscina, e: unknown): GraftError => {
    const cause = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim() || 'unknown error'
    const err = new GraftError('WORKER_FAILED', `The tokenizer worker thread stopped (${filename}): ${cause}`, {
      file: filename,
      hint: 'If it could not load, Graft’s installation looks broken (reinstall it); if a very large tokenizer was loading, memory may have run out.',
      cause: e,
    })
    for (const c of inFlight[which]) c.abort(err)
    if (lanes[which] === pool) {
      lanes[which] = null
      void pool.close({ force: true }).catch(() => {})
    }
    return err
  }
  const lane = (which: keyof typeof lanes): Piscina => {
    if (closed) throw new GraftError('CANCELLED', 'Graft is shutting down; the comparison was not started.')
    let pool = lanes[which]
    if (!pool) {
      const created = new Piscina({
        filename,
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: which === 'interactive' ? (opts.interactiveIdleMs ?? INTERACTIVE_IDLE_MS) : (opts.jobIdleMs ?? JOB_IDLE_MS),
        execArgv: workerExecArgv(filename),
      })
      // Without a listener, a worker that fails to load would crash the process.
      created.on('error', (e) => void laneFailed(which, created, e))
      lanes[which] = pool = created
    }
    return pool
  }

  async function run<T>(which: keyof typeof lanes, task: CompareTask, signal?: AbortSignal, transferList?: Transferable[]): Promise<T> {
    if (signal?.aborted) throw new CancelledError()
    const pool = lane(which)
    const own = new AbortController()
    const onAbort = () => own.abort()
    signal?.addEventListener('abort', onAbort)
    inFlight[which].add(own)
    try {
      return (await pool.run(task, { signal: own.signal, transferList: transferList as never })) as T
    } catch (e) {
      const info = decodeWorkerError(e)
      if (info) throw errorFromInfo(info)
      if (own.signal.reason instanceof GraftError) throw own.signal.reason
      if ((e as Error).name === 'AbortError' || signal?.aborted) throw new CancelledError()
      if (e instanceof GraftError) throw e
      // compare-worker encodes every error a task throws, so anything else is the thread itself failing.
      throw laneFailed(which, pool, e)
    } finally {
      inFlight[which].delete(own)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  return {
    async text(p, signal) {
      // Cancelled through a shared flag the worker checks between tokenizers, not through piscina:
      // aborting a running piscina task terminates the thread and its loaded tokenizers with it.
      if (signal?.aborted) throw new CancelledError()
      const cancel = new Int32Array(new SharedArrayBuffer(4))
      const onAbort = () => Atomics.store(cancel, 0, 1)
      signal?.addEventListener('abort', onAbort)
      try {
        return await run<CompareTextResult>('interactive', { op: 'text', ...p, cancel })
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    },
    async corpus(p, o = {}) {
      const { port1, port2 } = new MessageChannel()
      port1.on('message', (m: CompareProgress) => o.onProgress?.(m))
      try {
        return await run<MetricsResult>('jobs', { op: 'corpus', ...p, port: port2 }, o.signal, [port2 as unknown as Transferable])
      } finally {
        port1.close()
      }
    },
    vocabDiff: (p, signal) => run('interactive', { op: 'vocabDiff', ...p }, signal),
    vocabCsv: (p, signal) => run('interactive', { op: 'vocabCsv', ...p }, signal),
    chat: (p, signal) => run('interactive', { op: 'chat', ...p }, signal),
    tokensPreview: (p, signal) => run('interactive', { op: 'tokensPreview', ...p }, signal),
    vocabTable: (p, signal) => run('interactive', { op: 'vocabTable', ...p }, signal),
    planOperation: (request, signal) => run('interactive', { op: 'planOperation', request }, signal),
    async close() {
      closed = true
      const pools = [lanes.interactive, lanes.jobs].filter((x): x is Piscina => x !== null)
      lanes.interactive = lanes.jobs = null
      await Promise.all(pools.map((pool) => pool.close({ force: true })))
    },
  }
}
