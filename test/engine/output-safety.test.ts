/**
 * Output safety: an output never reaches an input (symlink, bind mount, `..`), overwrite replaces
 * only Graft's own outputs, one output folder has one writer at a time, and plans say what is wrong
 * with the output before Run.
 */
import { spawn, spawnSync } from 'node:child_process'
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { JobManager } from '../../src/main/jobs/job-manager'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { checkOutput } from '../../src/core/exec/check-output'
import { acquireOutputLock, outputLockPath } from '../../src/core/exec/output-lock'
import type { TaskRunner } from '../../src/core/exec/worker-task'
import { planMerge } from '../../src/core/lora/plan-merge'
import { planResize } from '../../src/core/vocab/plan-resize'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { planConvert } from '../../src/core/plan/plan-convert'
import type { Plan } from '../../src/shared/plan'
import { fingerprintTree, makeTmp, rejection, tempFoldersFor, type FileFingerprint } from './helpers'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const DEMO = join(REPO, 'resources', 'demo')
const CHILD = fileURLToPath(new URL('./child-execute.ts', import.meta.url))

let root: string
let base: string
let adapter: string
let prints: Record<string, Record<string, FileFingerprint>>

beforeAll(async () => {
  root = await makeTmp('outsafe')
  base = join(root, 'real', 'base')
  adapter = join(root, 'real', 'adapter')
  await cp(join(DEMO, 'base'), base, { recursive: true })
  await cp(join(DEMO, 'adapter'), adapter, { recursive: true })
  await symlink(join(root, 'real'), join(root, 'alias'))
  prints = { [base]: await fingerprintTree(base), [adapter]: await fingerprintTree(adapter) }
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function expectInputsUnchanged() {
  expect(await fingerprintTree(base)).toEqual(prints[base])
  expect(await fingerprintTree(adapter)).toEqual(prints[adapter])
  expect(existsSync(join(base, 'graft_provenance.json'))).toBe(false)
  expect(existsSync(join(base, 'merged'))).toBe(false)
}

const merge = (b: string, out: string, a = adapter) => planMerge({ base: b, adapters: [{ dir: a }], out })

/** The plan says it cannot run (plan-time), and executePlan refuses with and without overwrite. */
async function expectRefused(plan: Plan, code: string) {
  expect(plan.errors?.map((e) => e.code), JSON.stringify(plan.errors)).toContain(code)
  for (const overwrite of [false, true]) {
    const e = await rejection(executePlan({ plan, runner: inProcessRunner(), overwrite }))
    expect(e.code, e.message).toBe(code)
    expect(e.file).toBe(plan.output.dir.replace(/\/$/, ''))
  }
}

describe('an output that reaches an input is refused, with and without overwrite', () => {
  it('through a symlinked parent (out = <alias>/base)', async () => {
    await expectRefused(await merge(base, join(root, 'alias', 'base')), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('base given through a symlink, out = its real path', async () => {
    await expectRefused(await merge(join(root, 'alias', 'base'), base), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('out = the adapter, reached through a symlink', async () => {
    await expectRefused(await merge(base, join(root, 'alias', 'adapter')), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('out inside the base (<base>/merged), also spelled with ..', async () => {
    const p = await merge(base, join(base, 'merged'))
    expect(p.errors?.[0].message).toMatch(/lies inside the input/)
    await expectRefused(p, 'OUTPUT_OVERLAPS_INPUT')
    await expectRefused(await merge(base, join(root, 'real', 'adapter', '..', 'base', 'sub', 'x')), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('out containing the input (the parent of the base)', async () => {
    await expectRefused(await merge(base, join(root, 'alias')), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('out is a symlink that points at the base', async () => {
    const link = join(root, 'link-to-base')
    await symlink(base, link)
    await expectRefused(await merge(base, link), 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  it('resize and tokens add through a symlinked parent', async () => {
    await expectRefused(await planResize({ base, out: join(root, 'alias', 'base'), newSize: 32008, init: { kind: 'mean' } }), 'OUTPUT_OVERLAPS_INPUT')
    const { plan } = await planAddTokens({ base, out: join(root, 'alias', 'base'), tokens: [{ content: 'Graftwork', special: false }], init: { kind: 'mean' } })
    await expectRefused(plan, 'OUTPUT_OVERLAPS_INPUT')
    await expectInputsUnchanged()
  })

  const canMount = (() => {
    if (process.platform !== 'linux') return false
    const probe = join(REPO, 'node_modules', '.graft-mount-probe')
    return spawnSync('sh', ['-c', `mkdir -p ${probe}/a ${probe}/b && mount --bind ${probe}/a ${probe}/b && umount ${probe}/b; r=$?; rm -rf ${probe}; exit $r`]).status === 0
  })()

  // Paths through a bind mount share no string prefix with the input: only device+inode sees it.
  it.skipIf(!canMount)('through a bind mount of the input folder (device + inode)', async () => {
    const mnt = join(root, 'bind')
    await mkdir(mnt)
    expect(spawnSync('mount', ['--bind', join(root, 'real'), mnt]).status).toBe(0)
    try {
      await expectRefused(await merge(base, join(mnt, 'base')), 'OUTPUT_OVERLAPS_INPUT')
      await expectRefused(await merge(base, join(mnt, 'base', 'merged')), 'OUTPUT_OVERLAPS_INPUT')
      await expectRefused(await merge(base, mnt), 'OUTPUT_OVERLAPS_INPUT')
    } finally {
      spawnSync('umount', [mnt])
    }
    await expectInputsUnchanged()
  })
})

describe('overwrite replaces only a Graft output', () => {
  it('refuses a folder holding other files, and a plain file, even with overwrite', async () => {
    const thesis = join(root, 'thesis')
    await mkdir(thesis)
    await writeFile(join(thesis, 'thesis.txt'), 'years of work')
    const plan = await merge(base, thesis)
    expect(plan.errors?.[0]).toMatchObject({ code: 'OUTPUT_NOT_GRAFT', file: thesis })
    for (const overwrite of [false, true]) {
      const e = await rejection(executePlan({ plan, runner: inProcessRunner(), overwrite }))
      expect(e.code).toBe('OUTPUT_NOT_GRAFT')
      expect(e.message).toContain(thesis)
      expect(e.hint).toMatch(/another output folder/)
    }
    expect(await readdir(thesis)).toEqual(['thesis.txt'])
    const file = join(root, 'notes.txt')
    await writeFile(file, 'keep')
    const e = await rejection(executePlan({ plan: await merge(base, file), runner: inProcessRunner(), overwrite: true }))
    expect(e.code).toBe('OUTPUT_NOT_GRAFT')
    expect(await readFile(file, 'utf8')).toBe('keep')
    // A folder with a forged provenance file but no weights is not a Graft output either.
    await writeFile(join(thesis, 'graft_provenance.json'), JSON.stringify({ tool: 'graft', operation: 'merge' }))
    expect((await rejection(executePlan({ plan, runner: inProcessRunner(), overwrite: true }))).code).toBe('OUTPUT_NOT_GRAFT')
  })

  it('a Graft output: the plan warns it exists, the run needs overwrite, then replaces it', async () => {
    const out = join(root, 'merged-once')
    await executePlan({ plan: await merge(base, out), runner: inProcessRunner() })
    const again = await merge(base, out)
    expect(again.errors).toBeUndefined()
    expect(again.warnings.find((w) => w.code === 'OUTPUT_EXISTS')?.message).toMatch(/a Graft merge output written/)
    const e = await rejection(executePlan({ plan: again, runner: inProcessRunner() }))
    expect(e.code).toBe('OUTPUT_EXISTS')
    expect(e.hint).not.toMatch(/--overwrite/)
    await executePlan({ plan: again, runner: inProcessRunner(), overwrite: true })
    expect(existsSync(join(out, 'graft_provenance.json'))).toBe(true)
    expect(await tempFoldersFor(out)).toEqual([])
  })
})

describe('one writer per output folder', () => {
  it('two concurrent jobs in one process: the second gets OUTPUT_BUSY; the lock is gone afterwards', async () => {
    const out = join(root, 'same')
    const [p1, p2] = [await merge(base, out), await merge(base, out)]
    const [a, b] = await Promise.allSettled([executePlan({ plan: p1, runner: inProcessRunner() }), executePlan({ plan: p2, runner: inProcessRunner() })])
    const results = [a, b]
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(failed.reason.code).toBe('OUTPUT_BUSY')
    expect(failed.reason.message).toContain(out)
    expect(failed.reason.message).toMatch(/another job in this Graft/)
    expect(existsSync(outputLockPath(out))).toBe(false)
    expect((await readdir(root)).filter((n) => n.includes('graft-lock') || n.includes('graft-tmp'))).toEqual([])
  })

  it('an output that appears during the run is never replaced without overwrite, and never if it is not Graft’s (no ENOTEMPTY)', async () => {
    for (const [overwrite, code] of [
      [false, 'OUTPUT_NOT_GRAFT'],
      [true, 'OUTPUT_NOT_GRAFT'],
    ] as const) {
      const out = join(root, `appears-${overwrite}`)
      const plan = await merge(base, out)
      let made = false
      const e = await rejection(
        executePlan({
          plan,
          runner: inProcessRunner(),
          overwrite,
          onProgress: (p) => {
            if (!made && p.phase === 'finalizing') {
              made = true
              mkdirSync(out)
              writeFileSync(join(out, 'someone-else.txt'), 'x')
            }
          },
        }),
      )
      expect(made).toBe(true)
      expect(e.code, e.message).toBe(code)
      expect(await readdir(out)).toEqual(['someone-else.txt'])
      expect(await tempFoldersFor(out)).toEqual([])
    }
  })

  it('a Graft output that appears during the run: OUTPUT_EXISTS without overwrite (kept as it was), replaced with overwrite', async () => {
    const earlier = join(root, 'earlier-output')
    await executePlan({ plan: await merge(base, earlier), runner: inProcessRunner() })
    for (const overwrite of [false, true]) {
      const out = join(root, `appears-graft-${overwrite}`)
      const plan = await merge(base, out)
      let made = false
      const run = executePlan({
        plan,
        runner: inProcessRunner(),
        overwrite,
        onProgress: (p) => {
          if (!made && p.phase === 'finalizing') {
            made = true
            cpSync(earlier, out, { recursive: true })
            writeFileSync(join(out, 'marker.txt'), 'the other job')
          }
        },
      })
      if (!overwrite) {
        const e = await rejection(run)
        expect(e.code, e.message).toBe('OUTPUT_EXISTS')
        expect(readdirSync(out)).toContain('marker.txt')
      } else {
        await run
        expect(readdirSync(out)).not.toContain('marker.txt')
      }
      expect(made).toBe(true)
      expect(await tempFoldersFor(out)).toEqual([])
    }
  })

  it('another process writing the folder: OUTPUT_BUSY names its PID; once it is killed the lock is stale and taken over', async () => {
    const out = join(root, 'child-out')
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, base, out, 'gated'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`child never started: ${stderr}`)), 60_000)
      child.stdout.on('data', (d) => String(d).includes('started') && (clearTimeout(guard), resolve()))
    })
    try {
      const e = await rejection(executePlan({ plan: await merge(base, out), runner: inProcessRunner(), overwrite: true }))
      expect(e.code).toBe('OUTPUT_BUSY')
      expect(e.message).toContain(`Graft process ${child.pid}`)
      expect(e.message).toContain(out)
    } finally {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    expect(existsSync(outputLockPath(out))).toBe(true) // SIGKILL runs no cleanup …
    const log: string[] = []
    await executePlan({ plan: await merge(base, out), runner: inProcessRunner(), onLog: (l) => log.push(l) })
    expect(existsSync(join(out, 'graft_provenance.json'))).toBe(true) // … the next job takes the stale lock over
    expect(existsSync(outputLockPath(out))).toBe(false)
    expect(await tempFoldersFor(out)).toEqual([])
  }, 90_000)

  it('a lock with our own PID that this process does not hold (PID reuse) is stale', async () => {
    const out = join(root, 'pid-reuse')
    await writeFile(outputLockPath(out), JSON.stringify({ pid: process.pid, host: hostname(), started: 'long ago', out }))
    const lock = await acquireOutputLock(out)
    await expect(acquireOutputLock(out)).rejects.toMatchObject({ code: 'OUTPUT_BUSY' })
    await lock.release()
    expect(existsSync(outputLockPath(out))).toBe(false)
  })
})

describe('plan-time checks of the output folder', () => {
  it('system folders, the app resources folder, a parent that is a file', async () => {
    for (const out of ['/etc/graft-x', '/proc/x', '/usr/graft', '/']) {
      const c = checkOutput({ out, inputs: [base] })
      expect(c.problems.map((p) => p.code), out).toContain('OUTPUT_FORBIDDEN')
    }
    expect(checkOutput({ out: '/usr/local/graft-x', inputs: [base] }).problems.map((p) => p.code)).not.toContain('OUTPUT_FORBIDDEN')
    expect(checkOutput({ out: join(DEMO, 'base-merged'), inputs: [base] }).problems[0].message).toMatch(/Graft's own resources folder/)
    const file = join(root, 'a-file')
    await writeFile(file, '')
    const plan = await merge(base, join(file, 'x', 'out'))
    expect(plan.errors?.[0]).toMatchObject({ code: 'OUTPUT_PARENT_NOT_FOLDER', file: join(file, 'x', 'out') })
    expect(plan.errors?.[0].message).toContain(`${file} is a file`)
    const e = await rejection(executePlan({ plan, runner: inProcessRunner() }))
    expect(e.code).toBe('OUTPUT_PARENT_NOT_FOLDER')
    expect(e.message).not.toMatch(/graft-tmp/)
  })

  const canMountRo = (() => {
    if (process.platform !== 'linux') return false
    const probe = join(REPO, 'node_modules', '.graft-mount-probe-ro')
    return spawnSync('sh', ['-c', `mkdir -p ${probe} && mount -t tmpfs -o ro,size=1m tmpfs ${probe} && umount ${probe}; r=$?; rm -rf ${probe}; exit $r`]).status === 0
  })()

  it.skipIf(!canMountRo)('a read-only file system: PERMISSION_DENIED at plan time and at run time, naming the output (not a temp folder, not NOT_FOUND)', async () => {
    const ro = join(root, 'ro')
    await mkdir(ro)
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).status).toBe(0)
    try {
      for (const out of [join(ro, 'out'), join(ro, 'a', 'b', 'out')]) {
        const plan = await merge(base, out)
        expect(plan.errors?.[0]).toMatchObject({ code: 'PERMISSION_DENIED', file: out })
        expect(plan.errors?.[0].message).toMatch(/read-only file system/)
        const e = await rejection(executePlan({ plan, runner: inProcessRunner() }))
        expect(e.code).toBe('PERMISSION_DENIED')
        expect(e.message).toContain(out)
        expect(e.message).not.toMatch(/graft-tmp/)
      }
    } finally {
      spawnSync('umount', [ro])
    }
  })

  it('an existing folder is reported: Graft output or not', async () => {
    const out = join(root, 'checked')
    await executePlan({ plan: await planConvert({ base, out }), runner: inProcessRunner() })
    const c = checkOutput({ out, inputs: [base] })
    expect(c).toMatchObject({ exists: true, problems: [], graftOutput: { operation: 'convert' } })
    expect(c.graftOutput!.bytes).toBeGreaterThan(1e6)
    const other = checkOutput({ out: dirname(base), inputs: [adapter] })
    expect(other.graftOutput).toBeNull()
  })
})

describe('jobs.plan (the job manager) returns the output problems with the plan', () => {
  it('output inside the base: the plan comes back with errors instead of failing or saying nothing', async () => {
    const jobs = new JobManager(inProcessRunner())
    const { plan } = await jobs.plan({ kind: 'merge', params: { base, adapters: [{ dir: adapter }], out: join(base, 'merged') } })
    expect(plan.errors?.map((e) => e.code)).toEqual(['OUTPUT_OVERLAPS_INPUT'])
    const { plan: untrained } = await jobs.plan({ kind: 'untrained-fix', params: { base, out: join(root, 'alias', 'base') } })
    expect(untrained.errors?.map((e) => e.code)).toEqual(['OUTPUT_OVERLAPS_INPUT'])
  })
})

describe('a disk-full failure names the output folder, not the temp folder', () => {
  it('ENOSPC while writing', async () => {
    const out = join(root, 'full')
    const plan = await merge(base, out)
    const inner = inProcessRunner()
    const runner: TaskRunner = {
      concurrency: 1,
      async run(task, signal) {
        if (task.kind === 'chunk') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: task.chunk.outFile })
        return inner.run(task, signal)
      },
    }
    const e = await rejection(executePlan({ plan, runner }))
    expect(e.code).toBe('DISK_FULL')
    expect(e.message).toContain(`the output folder ${out}`)
    expect(e.file).toBe(out)
    expect(e.message).not.toMatch(/graft-tmp/)
  })
})
