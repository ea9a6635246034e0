import { describe, expect, it } from 'vitest'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { createPoolRunner } from './pool-runner'
import { workerExecArgv } from './worker-exec-argv'
import { runAll } from '../../core/exec/execute-plan'
import { newControl, type WorkerTask } from '../../core/exec/worker-task'

describe('createPoolRunner', () => {
  it('loads tsx by an absolute file URL, so workers start whatever the working directory', () => {
    const argv = workerExecArgv('/somewhere/graft-worker.ts')
    expect(argv[0]).toBe('--import')
    expect(argv[1]).toMatch(/^file:\/\/.*\/tsx\/.*\.mjs$/)
    expect(existsSync(fileURLToPath(argv[1]))).toBe(true)
    expect(workerExecArgv('/app/graft-worker.js')).toEqual([])
  })

  it('a worker that cannot load fails every task at once with WORKER_FAILED (file and cause), never a hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-pool-'))
    const file = join(dir, 'broken-worker.mjs')
    await writeFile(file, "import 'graft-no-such-package'\nexport default () => ({ kind: 'hash' })\n")
    const runner = createPoolRunner({ workerFile: file, threads: 2 })
    const control = newControl()
    const tasks: WorkerTask[] = Array.from({ length: 6 }, () => ({ kind: 'hash', file, control }))
    const started = Date.now()
    try {
      const err = await runAll(runner, tasks, new AbortController().signal).then(
        () => null,
        (e: unknown) => e as { code?: string; message: string; file?: string },
      )
      expect(err?.code).toBe('WORKER_FAILED')
      expect(err?.message).toContain(file)
      expect(err?.message).toContain('graft-no-such-package')
      expect(err?.message).not.toContain('\n')
      expect(Date.now() - started).toBeLessThan(15_000)
      // Later tasks fail at once too, instead of waiting for a worker that cannot start.
      await expect(runner.run(tasks[0], new AbortController().signal)).rejects.toMatchObject({ code: 'WORKER_FAILED' })
    } finally {
      await runner.close()
    }
  }, 30_000)
})
