import { spawn } from 'node:child_process'
import { chmod, mkdir, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { llamaConfig, llamaTensors, writeSyntheticModel, type LlamaShape } from '../../bench/synthetic-model'
import { executePlan, TEMP_MARKER } from '../../src/core/exec/execute-plan'
import { FileIo } from '../../src/core/exec/file-io'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import type { TaskRunner } from '../../src/core/exec/worker-task'
import { newControl } from '../../src/core/exec/worker-task'
import { CancelledError, GraftError, toErrorInfo } from '../../src/core/errors'
import { planConvert } from '../../src/core/plan/plan-convert'
import { INDEX_FILE, openCheckpoint } from '../../src/core/safetensors/open-checkpoint'
import { createPoolRunner } from '../../src/main/jobs/pool-runner'
import { exists, fingerprintTree, makeTmp, readTensorBytes, rejection, tempFoldersFor, type FileFingerprint } from './helpers'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const CHILD = fileURLToPath(new URL('./child-execute.ts', import.meta.url))

/** ~25 MB per layer in bf16 with these widths; the embedding and head add ~33 MB. */
const shapeOf = (layers: number): LlamaShape => ({ hidden: 1024, intermediate: 2752, layers, vocab: 8000, heads: 8, kvHeads: 8 })

let root: string
/** One pool for the file: workers start once (each loads tsx, ≈ 1 s on a busy machine). */
let pool: TaskRunner & { close(): Promise<void> }
let small: string
let mid: string // ~200 MB
let big: string // ~300 MB
const prints: Record<string, Record<string, FileFingerprint>> = {}

beforeAll(async () => {
  root = await makeTmp('atomic')
  small = join(root, 'small')
  mid = join(root, 'mid')
  big = join(root, 'big')
  const side = { 'tokenizer_config.json': '{"model_max_length": 4096}\n' }
  await writeSyntheticModel({ dir: small, tensors: llamaTensors(shapeOf(1)), config: llamaConfig(shapeOf(1)), files: side, maxShardBytes: 20_000_000 })
  await writeSyntheticModel({ dir: mid, tensors: llamaTensors(shapeOf(7)), config: llamaConfig(shapeOf(7)), files: side })
  await writeSyntheticModel({ dir: big, tensors: llamaTensors(shapeOf(11)), config: llamaConfig(shapeOf(11)), files: side, maxShardBytes: 120_000_000 })
  for (const d of [small, mid, big]) prints[d] = await fingerprintTree(d)
  pool = createPoolRunner({ threads: 2 })
})

afterAll(async () => {
  await pool?.close()
  for (const d of [small, mid, big]) await chmod(d, 0o755).catch(() => {})
  await rm(root, { recursive: true, force: true })
})

/** (d) an operation leaves every byte, size, mtime and mode of its input as it was. */
async function expectInputsUnchanged(...dirs: string[]): Promise<void> {
  for (const d of dirs) expect(await fingerprintTree(d), d).toEqual(prints[d])
}

it('the synthetic inputs have the intended sizes', async () => {
  expect((await openCheckpoint({ dir: mid })).totalBytes).toBeGreaterThan(190e6)
  expect((await openCheckpoint({ dir: big })).totalBytes).toBeGreaterThan(290e6)
  expect((await openCheckpoint({ dir: small })).files.length).toBeGreaterThan(1)
})

describe('(a) existing destination', () => {
  it('refuses a folder Graft did not write with OUTPUT_NOT_GRAFT, even with overwrite, and touches nothing', async () => {
    const out = join(root, 'exists')
    await mkdir(out)
    await writeFile(join(out, 'keep.txt'), 'precious')
    const plan = await planConvert({ base: small, out })
    for (const overwrite of [false, true]) {
      const e = await rejection(executePlan({ plan, runner: inProcessRunner(), overwrite }))
      expect(e).toBeInstanceOf(GraftError)
      expect(e.code).toBe('OUTPUT_NOT_GRAFT')
      expect(e.file).toBe(out)
      expect(e.message).toContain(out)
      expect(e.hint).toMatch(/another output folder/i)
    }
    expect(await readdir(out)).toEqual(['keep.txt'])
    expect(await tempFoldersFor(out)).toEqual([])
    // An empty folder is not Graft's either.
    const empty = join(root, 'exists-empty')
    await mkdir(empty)
    expect((await rejection(executePlan({ plan: await planConvert({ base: small, out: empty }), runner: inProcessRunner(), overwrite: true }))).code).toBe('OUTPUT_NOT_GRAFT')
    await expectInputsUnchanged(small)
  })

  it('refuses an earlier Graft output with OUTPUT_EXISTS, and replaces it with overwrite: true, leaving no temp or trash folder', async () => {
    const out = join(root, 'exists-overwrite')
    const plan = await planConvert({ base: small, out })
    await executePlan({ plan, runner: inProcessRunner() })
    await writeFile(join(out, 'stale.txt'), 'old')
    const e = await rejection(executePlan({ plan, runner: inProcessRunner() }))
    expect(e.code).toBe('OUTPUT_EXISTS')
    expect(e.message).toContain(out)
    await executePlan({ plan, runner: inProcessRunner(), overwrite: true })
    const entries = await readdir(out)
    expect(entries).not.toContain('stale.txt')
    expect(entries).toContain(INDEX_FILE)
    expect(entries).toContain('config.json')
    expect(entries).toContain('graft_provenance.json')
    expect(entries).not.toContain(TEMP_MARKER)
    const ck = await openCheckpoint({ dir: out })
    const src = await openCheckpoint({ dir: small })
    for (const [name, ref] of src.tensors) expect(Buffer.compare(await readTensorBytes(ck.tensors.get(name)!), await readTensorBytes(ref)), name).toBe(0)
    expect(await tempFoldersFor(out)).toEqual([])
    await expectInputsUnchanged(small)
  })
})

describe('(b) cancel mid-run', () => {
  async function cancelRun(runner: TaskRunner, out: string) {
    const plan = await planConvert({ base: mid, out })
    const ac = new AbortController()
    let abortedAt = 0
    let phaseAtAbort = ''
    const err = await rejection(
      executePlan({
        plan,
        runner,
        signal: ac.signal,
        onProgress: (p) => {
          const now = performance.now()
          // The first progress with bytes written. The 'finalizing' event (all bytes done) still
          // comes before the rename, so aborting on it must cancel too; only 'done' is too late.
          if (!abortedAt && p.bytesDone > 0 && p.phase !== 'done') {
            abortedAt = now
            phaseAtAbort = p.phase
            ac.abort()
          }
        },
      }),
    )
    const cancelMs = performance.now() - abortedAt
    return { err, abortedAt, phaseAtAbort, cancelMs }
  }

  it('with the pool: rejects with CANCELLED, no destination, no temp folder, inputs unchanged', async () => {
    const out = join(root, 'cancel-pool')
    const r = await cancelRun(pool, out)
    expect(r.abortedAt, 'no progress with bytes arrived').toBeGreaterThan(0)
    expect(r.err).toBeInstanceOf(GraftError)
    expect(r.err.code).toBe('CANCELLED')
    expect(toErrorInfo(r.err).code).toBe('CANCELLED')
    // The issue asks for cancel within a second; allow slack for a loaded CI machine.
    expect(r.cancelMs).toBeLessThan(5000)
    expect(await exists(out)).toBe(false)
    expect(await tempFoldersFor(out)).toEqual([])
    await expectInputsUnchanged(mid)
  })

  it('in-process: the same', async () => {
    const out = join(root, 'cancel-inproc')
    const r = await cancelRun(inProcessRunner(), out)
    expect(r.err.code).toBe('CANCELLED')
    expect(await exists(out)).toBe(false)
    expect(await tempFoldersFor(out)).toEqual([])
    await expectInputsUnchanged(mid)
  })

  it('an already-aborted signal cancels before anything is created', async () => {
    const out = join(root, 'cancel-early')
    const ac = new AbortController()
    ac.abort()
    const e = await rejection(executePlan({ plan: await planConvert({ base: small, out }), runner: inProcessRunner(), signal: ac.signal }))
    expect(e).toBeInstanceOf(CancelledError)
    expect(await exists(out)).toBe(false)
    expect(await tempFoldersFor(out)).toEqual([])
  })
})

describe('(c) SIGKILL mid-run', () => {
  function runChild(base: string, out: string, mode: 'gated' | 'free'): Promise<{ started: boolean; finished: boolean; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, base, out, mode], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      let started = false
      const guard = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`child never printed "started" within 40 s; stderr: ${stderr.slice(-2000)}`))
      }, 40_000)
      child.stdout.on('data', (d) => {
        stdout += d
        if (!started && stdout.includes('started')) {
          started = true
          child.kill('SIGKILL')
        }
      })
      child.stderr.on('data', (d) => (stderr += d))
      child.on('error', reject)
      child.on('exit', (_code, signal) => {
        clearTimeout(guard)
        resolve({ started, finished: stdout.includes('finished'), signal, stderr })
      })
    })
  }

  async function expectNoFinishedLookingFolder(out: string) {
    const temps = await tempFoldersFor(out)
    for (const t of temps) {
      const entries = await readdir(t)
      expect(entries, `${t} lacks the ${TEMP_MARKER} marker`).toContain(TEMP_MARKER)
    }
    return temps
  }

  it('killed while chunks are being written: no destination; the temp folder is marked incomplete', async () => {
    const out = join(root, 'killed-gated')
    const r = await runChild(big, out, 'gated')
    expect(r.started, r.stderr).toBe(true)
    expect(r.signal).toBe('SIGKILL')
    expect(await exists(out)).toBe(false)
    expect(existsSync(join(out, INDEX_FILE)) || existsSync(join(out, 'config.json'))).toBe(false)
    const temps = await expectNoFinishedLookingFolder(out)
    expect(temps.length).toBe(1) // the killed job's folder is left (SIGKILL runs no cleanup) …
    expect(await readdir(temps[0])).not.toContain(INDEX_FILE) // … and holds no index yet
    await expectInputsUnchanged(big)
    // The next job writing beside it removes the dead job's folder, and says so in its log.
    const log: string[] = []
    await executePlan({ plan: await planConvert({ base: small, out: join(root, 'after-kill') }), runner: inProcessRunner(), onLog: (l) => log.push(l) })
    expect(await tempFoldersFor(out)).toEqual([])
    expect(log.join('\n')).toContain(temps[0])
  })

  it('killed at full speed: the destination is absent, or complete and valid', async () => {
    const out = join(root, 'killed-free')
    const r = await runChild(big, out, 'free')
    expect(r.started, r.stderr).toBe(true)
    if (await exists(out)) {
      // The job won the race: then it must be a finished, readable model with no marker.
      expect(await readdir(out)).not.toContain(TEMP_MARKER)
      const ck = await openCheckpoint({ dir: out })
      expect(ck.totalBytes).toBe((await openCheckpoint({ dir: big })).totalBytes)
    } else {
      await expectNoFinishedLookingFolder(out)
    }
    await expectInputsUnchanged(big)
    for (const t of await tempFoldersFor(out)) await rm(t, { recursive: true, force: true })
  })
})

describe('(d) inputs are only read', () => {
  it('read-only input files and folder (0444 / 0555) convert fine and stay unchanged', async () => {
    const s = await stat(small)
    for (const f of await readdir(small)) await chmod(join(small, f), 0o444)
    await chmod(small, 0o555)
    try {
      const locked = await fingerprintTree(small)
      const out = join(root, 'from-readonly')
      await executePlan({ plan: await planConvert({ base: small, out }), runner: pool })
      expect(await fingerprintTree(small)).toEqual(locked)
      expect((await stat(small)).mtimeMs).toBe(s.mtimeMs)
      expect((await readdir(small)).sort()).toEqual(Object.keys(locked).sort())
    } finally {
      await chmod(small, 0o755)
      for (const f of await readdir(small)) await chmod(join(small, f), prints[small][f].mode & 0o777)
    }
    await expectInputsUnchanged(small)
  })
})

describe('failures leave nothing behind', () => {
  it('an input truncated after planning fails the job and removes the temp folder', async () => {
    const base = join(root, 'trunc-base')
    await writeSyntheticModel({ dir: base, tensors: llamaTensors(shapeOf(1)), config: llamaConfig(shapeOf(1)) })
    const out = join(root, 'trunc-out')
    const plan = await planConvert({ base, out })
    const shard = join(base, 'model.safetensors')
    await truncate(shard, (await stat(shard)).size - 1000)
    const e = await rejection(executePlan({ plan, runner: inProcessRunner() }))
    expect(e).toBeTruthy()
    expect(await exists(out)).toBe(false)
    expect(await tempFoldersFor(out)).toEqual([])
  })

  it('an input truncated after planning is reported as TRUNCATED_FILE naming the file (in-process and pool)', async () => {
    const base = join(root, 'trunc-base2')
    await writeSyntheticModel({ dir: base, tensors: llamaTensors(shapeOf(1)), config: llamaConfig(shapeOf(1)) })
    const shard = join(base, 'model.safetensors')
    const plan1 = await planConvert({ base, out: join(root, 'trunc-out2a') })
    const plan2 = await planConvert({ base, out: join(root, 'trunc-out2b') })
    await truncate(shard, (await stat(shard)).size - 1000)
    const inproc = toErrorInfo(await rejection(executePlan({ plan: plan1, runner: inProcessRunner() })))
    const pooled = toErrorInfo(await rejection(executePlan({ plan: plan2, runner: pool })))
    for (const info of [inproc, pooled]) {
      expect(info.code).toBe('TRUNCATED_FILE')
      expect(info.file).toBe(shard)
    }
  })
})

describe('(e) fs errors become codes that name the path', () => {
  const errno = (code: string, path?: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed${path ? `, '${path}'` : ''}`), { code, errno: -1, syscall: 'write', ...(path ? { path } : {}) })

  it('ENOSPC → DISK_FULL with the path', () => {
    const info = toErrorInfo(errno('ENOSPC', '/data/out/model-00001-of-00003.safetensors'))
    expect(info.code).toBe('DISK_FULL')
    expect(info.file).toBe('/data/out/model-00001-of-00003.safetensors')
    expect(info.message).toContain('/data/out/model-00001-of-00003.safetensors')
    expect(info.hint).toMatch(/space/i)
  })

  it('ENOSPC without a path uses the file the caller names', () => {
    const info = toErrorInfo(errno('ENOSPC'), '/data/out')
    expect(info).toMatchObject({ code: 'DISK_FULL', file: '/data/out' })
    expect(info.message).toContain('/data/out')
  })

  it.each(['EACCES', 'EPERM', 'EROFS'])('%s → PERMISSION_DENIED with the path', (code) => {
    const info = toErrorInfo(errno(code, '/locked/model.safetensors'))
    expect(info.code).toBe('PERMISSION_DENIED')
    expect(info.file).toBe('/locked/model.safetensors')
    expect(info.message).toContain('/locked/model.safetensors')
    expect(info.hint).toBeTruthy()
  })

  it('ENOENT → NOT_FOUND, aborts → CANCELLED, GraftError passes through, anything else → INTERNAL', () => {
    expect(toErrorInfo(errno('ENOENT', '/x/config.json'))).toMatchObject({ code: 'NOT_FOUND', file: '/x/config.json' })
    expect(toErrorInfo(Object.assign(new Error('aborted'), { name: 'AbortError' })).code).toBe('CANCELLED')
    expect(toErrorInfo(new CancelledError()).code).toBe('CANCELLED')
    expect(toErrorInfo(new GraftError('BAD_HEADER', 'm', { file: 'f', tensor: 't' }))).toMatchObject({ code: 'BAD_HEADER', file: 'f', tensor: 't' })
    expect(toErrorInfo(new TypeError('boom')).code).toBe('INTERNAL')
    expect(toErrorInfo('a string').code).toBe('INTERNAL')
  })

  it.skipIf(!existsSync('/dev/full'))('a real ENOSPC from a positional write (/dev/full) is DISK_FULL naming the file', () => {
    const io = new FileIo()
    let err: unknown
    try {
      io.write('/dev/full', 0, new Uint8Array(4096))
    } catch (e) {
      err = e
    } finally {
      io.close()
    }
    expect((err as NodeJS.ErrnoException)?.code).toBe('ENOSPC')
    const info = toErrorInfo(err)
    expect(info.code).toBe('DISK_FULL')
    expect(info.file).toBe('/dev/full')
  })

  it('a worker error crosses the pool as a GraftError with its code and path', async () => {
    const missing = join(root, 'no-such-file.safetensors')
    const e = await rejection(pool.run({ kind: 'hash', file: missing, control: newControl() }, new AbortController().signal))
    expect(e).toBeInstanceOf(GraftError)
    expect(e.code).toBe('NOT_FOUND')
    expect(e.file).toBe(missing)
  })
})
