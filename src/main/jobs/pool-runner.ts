import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { TaskRunner, WorkerResult, WorkerTask } from '../../core/exec/worker-task'
import { defaultThreads } from '../../core/exec/threads'
import { errorFromInfo, CancelledError, decodeWorkerError } from '../../core/errors'

/** The worker entry when running from source (tsx); the Electron build passes its bundled chunk instead. */
export function sourceWorkerFile(): string {
  return fileURLToPath(new URL('../../worker/graft-worker.ts', import.meta.url))
}

/** A piscina pool of worker threads that run engine tasks. */
export function createPoolRunner(opts: { workerFile?: string; threads?: number } = {}): TaskRunner & { close(): Promise<void> } {
  const filename = opts.workerFile ?? sourceWorkerFile()
  const threads = Math.max(1, opts.threads ?? defaultThreads())
  const pool = new Piscina({
    filename,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 30_000,
    execArgv: filename.endsWith('.ts') ? ['--import', 'tsx'] : [],
  })
  // Without a listener, a worker that fails to load would crash the process.
  pool.on('error', (e) => console.error('graft worker pool error:', e))
  return {
    concurrency: threads,
    async run(task: WorkerTask, signal: AbortSignal): Promise<WorkerResult> {
      try {
        return (await pool.run(task, { signal })) as WorkerResult
      } catch (e) {
        const info = decodeWorkerError(e)
        if (info) throw errorFromInfo(info)
        if ((e as Error).name === 'AbortError' || signal.aborted) throw new CancelledError()
        throw e
      }
    },
    close: () => pool.close({ force: true }),
  }
}
