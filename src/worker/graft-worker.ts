import { performTask } from '../core/exec/perform-task'
import type { WorkerResult, WorkerTask } from '../core/exec/worker-task'
import { encodeWorkerError, toErrorInfo } from '../core/errors'

/**
 * The piscina task entry: decodes a task, runs the core step on this worker thread, and returns
 * a small result. Tensor bytes are read and written here by position; they never reach the main
 * thread. Errors are rethrown as plain objects carrying the stable code.
 */
export default function run(task: WorkerTask): WorkerResult {
  try {
    return performTask(task)
  } catch (e) {
    // Custom error properties do not survive the thread boundary; the ErrorInfo travels in the message.
    throw new Error(encodeWorkerError(toErrorInfo(e)))
  }
}
