/**
 * Child process for the SIGKILL test (not a test file): plans a copy of `base` into `out` and runs
 * it in the piscina pool, printing `started` once tensor bytes have been written.
 *   node --import tsx test/engine/child-execute.ts <base> <out> <gated|free>
 * gated: after the first chunk finishes, no further task is started, so the job is certainly
 * mid-run when the parent kills it. free: the job runs on at full speed.
 */
import { executePlan } from '../../src/core/exec/execute-plan'
import type { TaskRunner } from '../../src/core/exec/worker-task'
import { planConvert } from '../../src/core/plan/plan-convert'
import { createPoolRunner } from '../../src/main/jobs/pool-runner'

const [base, out, mode] = process.argv.slice(2)
const pool = createPoolRunner({ threads: 2 })
let said = false
const say = () => {
  if (!said) process.stdout.write('started\n')
  said = true
}
let chunksDone = 0
const runner: TaskRunner = {
  concurrency: pool.concurrency,
  async run(task, signal) {
    if (mode === 'gated' && chunksDone > 0) {
      say()
      await new Promise(() => setInterval(() => {}, 1000)) // hold here until killed
    }
    const r = await pool.run(task, signal)
    if (task.kind === 'chunk') chunksDone++
    return r
  },
}
const plan = await planConvert({ base, out })
await executePlan({
  plan,
  runner,
  onProgress: (p) => {
    if (mode === 'free' && p.bytesDone > 0) say()
  },
})
process.stdout.write('finished\n')
await pool.close()
