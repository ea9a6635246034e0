import { performTask } from './perform-task'
import type { TaskRunner, WorkerResult, WorkerTask } from './worker-task'
import { CancelledError } from '../errors'

/** Runs tasks on the calling thread: for unit tests and tiny jobs. The app and CLI use the pool. */
export function inProcessRunner(): TaskRunner {
  return {
    concurrency: 1,
    async run(task: WorkerTask, signal: AbortSignal): Promise<WorkerResult> {
      if (signal.aborted) throw new CancelledError()
      await new Promise((r) => setImmediate(r))
      return performTask(task)
    },
  }
}
