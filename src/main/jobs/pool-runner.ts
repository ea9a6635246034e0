import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { TaskRunner, WorkerResult, WorkerTask } from '../../core/exec/worker-task'
import { defaultThreads } from '../../core/exec/threads'
import { errorFromInfo, CancelledError, decodeWorkerError, GraftError } from '../../core/errors'
import { workerExecArgv } from './worker-exec-argv'

/** The worker entry when running from source (tsx); the Electron build passes its bundled chunk instead. */
export function sourceWorkerFile(): string {
  return fileURLToPath(new URL('../../worker/graft-worker.ts', import.meta.url))
}

/** The first line of what a failed worker threw: the cause, without Node's stack frames. */
function causeOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  return msg.split('\n')[0].trim() || 'unknown error'
}

/**
 * A piscina pool of worker threads that run engine tasks.
 *
 * A worker that cannot load (a missing dependency, a broken install) or that dies outside a task
 * fails every task in flight at once with WORKER_FAILED, naming the worker file and the cause:
 * piscina rejects only the task the dead worker held and leaves the others queued forever (a job
 * that hangs at 0 %). Until some task has succeeded, the failure also sticks: later tasks fail at
 * once instead of starting yet another worker that cannot load.
 */
export function createPoolRunner(opts: { workerFile?: string; threads?: number } = {}): TaskRunner & { close(): Promise<void> } {
  const filename = opts.workerFile ?? sourceWorkerFile()
  const threads = Math.max(1, opts.threads ?? defaultThreads())
  const pool = new Piscina({
    filename,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 30_000,
    execArgv: workerExecArgv(filename),
  })
  const inFlight = new Set<AbortController>()
  let failure: GraftError | null = null
  let everSucceeded = false
  const fail = (e: unknown): GraftError => {
    const err = new GraftError('WORKER_FAILED', `An engine worker thread failed (${filename}): ${causeOf(e)}`, {
      file: filename,
      hint: 'Graft’s installation looks broken: reinstall it (npm install in its folder) and try again. Nothing was written to the output.',
    })
    if (!everSucceeded) failure ??= err
    for (const c of inFlight) c.abort(err)
    return err
  }
  // A worker that fails outside a task (or to load) is reported here; without a listener it would crash the process.
  pool.on('error', (e) => void fail(e))
  return {
    concurrency: threads,
    async run(task: WorkerTask, signal: AbortSignal): Promise<WorkerResult> {
      if (failure) throw failure
      if (signal.aborted) throw new CancelledError()
      const own = new AbortController()
      const onAbort = () => own.abort()
      signal.addEventListener('abort', onAbort)
      inFlight.add(own)
      try {
        const res = (await pool.run(task, { signal: own.signal })) as WorkerResult
        everSucceeded = true
        return res
      } catch (e) {
        const info = decodeWorkerError(e)
        if (info) throw errorFromInfo(info)
        if (own.signal.reason instanceof GraftError) throw own.signal.reason
        if ((e as Error).name === 'AbortError' || signal.aborted) throw new CancelledError()
        // graft-worker encodes every error a task throws, so anything else is the worker itself failing.
        throw fail(e)
      } finally {
        inFlight.delete(own)
        signal.removeEventListener('abort', onAbort)
      }
    },
    close: () => pool.close({ force: true }),
  }
}
