import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, writeFile, copyFile, stat } from 'node:fs/promises'
import { totalmem } from 'node:os'
import { basename, dirname, join, resolve, sep } from 'node:path'
import type { Plan, PlanProblem, TensorPlan } from '../../shared/plan'
import type { JobProgress } from '../../shared/progress'
import { CancelledError, GraftError } from '../errors'
import { buildIndexJson, encodeShardHeader, layoutShards } from '../safetensors/layout-shards'
import { isByteCopy, rowGeometry } from './run-chunk'
import { finishStat, type StatPartial } from './run-stat-chunk'
import { removeStaleTemps, tempDirName } from './stale-temps'
import { GRAFT_VERSION } from '../../shared/version'
import { checkOutput, outputExistsProblem, PROVENANCE_FILE, planInputPaths, type OutputCheck } from './check-output'
import { acquireOutputLock, removeStaleLocks } from './output-lock'
import { controlViews, newControl, type TaskRunner, type WorkerTask } from './worker-task'

/** Working-set bound for one chunk (f32 values of the rows being built): keeps peak memory ≈ threads × this. */
export const CHUNK_F32_BYTES = 16 << 20
/** Progress cadence: the issue asks for at least 4 updates a second. */
export const PROGRESS_INTERVAL_MS = 200
/** Marks a folder as Graft's unfinished output, so it is never mistaken for a model. */
export const TEMP_MARKER = '.graft-incomplete'

export interface ExecuteOptions {
  plan: Plan
  runner: TaskRunner
  signal?: AbortSignal
  onProgress?: (p: JobProgress) => void
  /** Replace an existing output folder. */
  overwrite?: boolean
  /** Notes for the job's log (e.g. leftovers of killed jobs that were removed). */
  onLog?: (line: string) => void
  /**
   * Checks the complete output in its temporary folder before it is moved into place; a throw
   * removes the temporary folder like any failure, so a rejected output never appears.
   */
  verify?: (tmpDir: string) => Promise<void>
}

/** Byte copies move in slices of this size. */
export const COPY_CHUNK_BYTES = 32 << 20

/**
 * Splits one tensor into work units: byte ranges for pure copies (any dtype, sub-byte too), else
 * row ranges whose f32 working set stays under CHUNK_F32_BYTES.
 */
export function chunkRows(t: TensorPlan, fromRow = 0): [number, number][] {
  if (isByteCopy(t)) {
    const out: [number, number][] = []
    for (let b = 0; b < t.byteLength; b += COPY_CHUNK_BYTES) out.push([b, Math.min(t.byteLength, b + COPY_CHUNK_BYTES)])
    return out.length ? out : [[0, 0]]
  }
  const { rows, rowElems } = rowGeometry(t.shape)
  if (rows === 0 || rowElems === 0) return [[0, rows]]
  // Column-norm DoRA needs every row at once.
  if (t.dora && t.dora.normAxis === 'column') return [[0, rows]]
  const perChunk = Math.max(1, Math.floor(CHUNK_F32_BYTES / (4 * Math.max(1, rowElems))))
  const out: [number, number][] = []
  for (let r = fromRow; r < rows; r += perChunk) out.push([r, Math.min(rows, r + perChunk)])
  return out
}

/**
 * Leading rows of `t` that are its source's rows unchanged — the old rows of a resized
 * embedding or head: copied as bytes instead of being decoded and encoded again. 0 when the
 * tensor has no new rows, changes dtype, or has LoRA, DoRA or bias terms; a replaced row ends it.
 */
export function copiedPrefixRows(t: TensorPlan): number {
  const src = t.source
  if (!src || !t.newRows || src.dtype !== t.dtype || t.lora?.length || t.dora || t.biasTerms?.length) return 0
  const { rows, rowElems } = rowGeometry(t.shape)
  const s = rowGeometry(src.shape)
  if (rowElems === 0 || s.rowElems !== rowElems || src.shape.length !== t.shape.length) return 0
  let n = Math.min(s.rows, t.newRows.from, rows)
  for (const sr of t.setRows ?? []) for (const r of sr.rows) n = Math.min(n, r)
  return Math.max(0, n)
}

/** A tensor's work units: byte ranges (`byteRange`) and row ranges, covering its output once. */
export function workUnits(t: TensorPlan): { start: number; end: number; byteRange: boolean }[] {
  if (isByteCopy(t)) return chunkRows(t).map(([start, end]) => ({ start, end, byteRange: true }))
  const prefix = copiedPrefixRows(t)
  const out: { start: number; end: number; byteRange: boolean }[] = []
  const prefixBytes = prefix * (t.byteLength / rowGeometry(t.shape).rows)
  for (let b = 0; b < prefixBytes; b += COPY_CHUNK_BYTES) out.push({ start: b, end: Math.min(prefixBytes, b + COPY_CHUNK_BYTES), byteRange: true })
  for (const [start, end] of chunkRows(t, prefix)) out.push({ start, end, byteRange: false })
  return out
}

/**
 * Whether a job reads its inputs around the page cache (O_DIRECT, FileIo.readDirect). A job reads
 * each input byte once; when the inputs are a large part of memory, caching them only makes the
 * kernel evict and reclaim (7B merge on a 24 GB machine: 36.7 → 20.2 s of system time), while a
 * small model is likely cached already and is read fastest from memory. GRAFT_DIRECT_IO=1 / 0
 * forces the choice.
 */
export function useDirectReads(inputBytes: number, env: NodeJS.ProcessEnv = process.env, memBytes: number = totalmem()): boolean {
  if (env.GRAFT_DIRECT_IO === '1') return true
  if (env.GRAFT_DIRECT_IO === '0') return false
  return inputBytes > memBytes * DIRECT_READ_MEMORY_SHARE
}

/** useDirectReads turns on when the inputs exceed this share of physical memory. */
export const DIRECT_READ_MEMORY_SHARE = 0.25

export function tempDirFor(outDir: string): string {
  return join(dirname(outDir), tempDirName(basename(outDir), process.pid, randomBytes(4).toString('hex')))
}

/**
 * Runs a plan: computes row statistics, builds every tensor chunk in the pool at its fixed offset,
 * writes file edits, then fsyncs and renames the temporary folder into place. On failure or cancel
 * the temporary folder is removed, so no partial output is left behind.
 */
export async function executePlan(opts: ExecuteOptions): Promise<{ outDir: string; bytesWritten: number; seconds: number }> {
  const { plan, runner, signal } = opts
  const outDir = resolve(plan.output.dir)
  // Checked again here (the plan's own check may be stale): inputs, system folders, writability, what is there.
  const inputs = planInputPaths(plan)
  const mayReplace = (check: OutputCheck) => {
    if (check.problems.length) throw problemError(check.problems[0])
    if (check.exists && !opts.overwrite) throw problemError(outputExistsProblem(check))
  }
  mayReplace(checkOutput({ out: outDir, inputs }))
  if (signal?.aborted) throw new CancelledError()
  try {
    await mkdir(dirname(outDir), { recursive: true })
  } catch (e) {
    throw outputFsError(e, outDir)
  }
  const lock = await acquireOutputLock(outDir).catch((e) => {
    throw outputFsError(e, outDir)
  })
  try {
    // Under the lock: another job may have finished into the same folder meanwhile.
    mayReplace(checkOutput({ out: outDir, inputs }))
    return await writeOutput(opts, outDir, () => mayReplace(checkOutput({ out: outDir, inputs })))
  } finally {
    await lock.release()
  }
}

function problemError(p: PlanProblem): GraftError {
  return new GraftError(p.code, p.message, { file: p.file, hint: p.hint })
}

/** A file-system failure while writing, told in terms of the output folder the user named (never Graft's hidden temp folder). */
export function outputFsError(e: unknown, outDir: string): unknown {
  if (e instanceof GraftError) return e
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new GraftError('DISK_FULL', `The disk is full while writing the output folder ${outDir}.`, { file: outDir, hint: 'Free some space or choose an output folder on another disk.', cause: e })
    case 'EROFS':
      return new GraftError('PERMISSION_DENIED', `Cannot write the output folder ${outDir}: it is on a read-only file system.`, { file: outDir, hint: 'Choose a folder you can write to.', cause: e })
    case 'EACCES':
    case 'EPERM':
      return new GraftError('PERMISSION_DENIED', `Cannot write the output folder ${outDir}: permission denied.`, { file: outDir, hint: 'Choose a folder you can write to, or fix its permissions.', cause: e })
    case 'ENOTDIR':
      return new GraftError('OUTPUT_PARENT_NOT_FOLDER', `Cannot create the output folder ${outDir}: a folder above it is a file.`, { file: outDir, hint: 'Choose an output folder whose parent is a folder.', cause: e })
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new GraftError('OUTPUT_EXISTS', `${outDir} appeared while Graft was writing it.`, { file: outDir, hint: 'Choose a new output folder.', cause: e })
  }
  return e
}

async function writeOutput(opts: ExecuteOptions, outDir: string, beforeReplace: () => void): Promise<{ outDir: string; bytesWritten: number; seconds: number }> {
  const { plan, runner, signal } = opts
  const tmp = tempDirFor(outDir)
  const control = newControl()
  const { cancel, bytes } = controlViews(control)
  const abort = new AbortController()
  const onAbort = () => {
    Atomics.store(cancel, 0, 1)
    abort.abort()
  }
  signal?.addEventListener('abort', onAbort)
  if (signal?.aborted) onAbort()
  const started = Date.now()
  const bytesTotal = plan.output.totalBytes
  const tensorsTotal = plan.tensors.length
  let tensorsDone = 0
  let phase: JobProgress['phase'] = 'stats'
  let current: string | undefined
  const emit = () => {
    const done = Number(Atomics.load(bytes, 0))
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? done / secs : 0
    opts.onProgress?.({ phase, bytesDone: done, bytesTotal, tensorsDone, tensorsTotal, bytesPerSec: rate, etaSec: rate > 0 && done > 0 ? (bytesTotal - done) / rate : null, current })
  }
  const timer = setInterval(emit, PROGRESS_INTERVAL_MS)
  try {
    if (signal?.aborted) throw new CancelledError()
    await mkdir(dirname(outDir), { recursive: true })
    for (const p of await removeStaleTemps(dirname(outDir), TEMP_MARKER)) opts.onLog?.(`removed ${p}, the unfinished output of a Graft job that no longer runs`)
    for (const p of await removeStaleLocks(dirname(outDir))) opts.onLog?.(`removed ${p}, the lock of a Graft job that no longer runs`)
    await mkdir(tmp, { recursive: false })
    await writeFile(join(tmp, TEMP_MARKER), `Unfinished output of a Graft job started ${new Date(started).toISOString()}. Safe to delete.\n`)
    // Recreate the layout's headers from the plan (the plan fixes every offset).
    const layout = layoutShards({
      tensors: plan.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, group: t.shard })),
      metadata: plan.output.metadata,
      prefix: plan.output.weightsPrefix ?? 'model',
    })
    // A tokenizer-only plan (no tensors, no shards planned) writes no weights file.
    if (plan.tensors.length === 0 && plan.output.shards.length === 0) layout.shards.length = layout.headers.length = 0
    for (const t of plan.tensors) {
      const p = layout.tensors.find((x) => x.name === t.name)
      if (!p || p.shard !== t.shard || p.offset !== t.offset) throw new GraftError('INTERNAL', `Plan layout for "${t.name}" is inconsistent.`, { tensor: t.name })
    }
    for (let i = 0; i < layout.shards.length; i++) {
      const fh = await open(join(tmp, layout.shards[i].file), 'w')
      try {
        await fh.write(encodeShardHeader(layout.headers[i]), 0, undefined, 0)
        await fh.truncate(layout.shards[i].size)
      } finally {
        await fh.close()
      }
    }
    // Phase 1: statistics.
    const statVectors: Record<number, number[]> = {}
    for (const stat of plan.stats) {
      current = stat.tensor.name
      const { rows, rowElems } = rowGeometry(stat.tensor.shape)
      const limit = Math.min(rows, stat.rows)
      const per = Math.max(1, Math.floor(CHUNK_F32_BYTES / (4 * rowElems)))
      const tasks: WorkerTask[] = []
      if (stat.rowList) tasks.push({ kind: 'stat', stat: { stat, rowStart: 0, rowEnd: 0 }, control })
      else for (let r = stat.fromRow ?? 0; r < limit; r += per) tasks.push({ kind: 'stat', stat: { stat, rowStart: r, rowEnd: Math.min(limit, r + per) }, control })
      const parts = (await runAll(runner, tasks, abort.signal)) as { kind: 'stat'; partial: StatPartial }[]
      const vec = finishStat(parts.map((p) => p.partial), rowElems)
      if (stat.kind === 'trained-mean' && parts.every((p) => p.partial.count === 0))
        throw new GraftError('UNSUPPORTED_MODEL', `Every row of "${stat.tensor.name}" is untrained (all zeros), so there is no mean to initialise from.`, { tensor: stat.tensor.name, hint: 'Use another init strategy, such as copying a chosen row.' })
      statVectors[stat.id] = Array.from(vec)
    }
    // Phase 2: tensors, each cut into bounded row chunks, all chunks in one queue.
    phase = 'tensors'
    const sourceBytes = plan.tensors.reduce((n, t) => n + (t.source?.byteLength ?? 0), 0)
    const directRead = useDirectReads(sourceBytes)
    const remaining = new Map<string, number>()
    const tasks: { task: WorkerTask; tensor: string }[] = []
    for (const t of plan.tensors) {
      const outFile = join(tmp, layout.shards[t.shard].file)
      const units = workUnits(t)
      remaining.set(t.name, units.length)
      const needed: Record<number, number[]> = {}
      if (t.newRows && 'stat' in t.newRows.init) needed[t.newRows.init.stat] = statVectors[t.newRows.init.stat]
      if (t.newRows && 'perRow' in t.newRows.init) for (const id of t.newRows.init.perRow) needed[id] = statVectors[id]
      for (const s of t.setRows ?? []) if ('stat' in s.from) needed[s.from.stat] = statVectors[s.from.stat]
      for (const u of units) tasks.push({ tensor: t.name, task: { kind: 'chunk', chunk: { tensor: t, rowStart: u.start, rowEnd: u.end, outFile, stats: needed, byteRange: u.byteRange, directRead }, control } })
    }
    await runAll(
      runner,
      tasks.map((x) => x.task),
      abort.signal,
      (i) => {
        const name = tasks[i].tensor
        const left = remaining.get(name)! - 1
        remaining.set(name, left)
        current = name
        if (left === 0) tensorsDone++
      },
    )
    // Phase 3: files and atomic finalize.
    phase = 'finalizing'
    emit()
    for (const s of layout.shards) await fsyncFile(join(tmp, s.file))
    if (layout.indexed) await writeFile(join(tmp, `${plan.output.weightsPrefix ?? 'model'}.safetensors.index.json`), buildIndexJson(layout))
    for (const f of plan.files) {
      const dest = join(tmp, f.path)
      await mkdir(dirname(dest), { recursive: true })
      if (f.kind === 'write') await writeFile(dest, f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content)
      else await copyFile(f.from, dest)
      await fsyncFile(dest)
    }
    if (!plan.files.some((f) => f.path === PROVENANCE_FILE)) {
      // Every output says it is Graft's (the only kind of folder an overwrite may replace).
      const prov = { tool: 'graft', graft_version: GRAFT_VERSION, created: new Date().toISOString(), operation: plan.operation, title: plan.title, inputs: plan.inputs, decisions: plan.decisions, warnings: plan.warnings }
      await writeFile(join(tmp, PROVENANCE_FILE), JSON.stringify(prov, null, 2) + '\n')
      await fsyncFile(join(tmp, PROVENANCE_FILE))
    }
    if (opts.verify) {
      phase = 'verifying'
      emit()
      await opts.verify(tmp)
    }
    await rm(join(tmp, TEMP_MARKER))
    await fsyncFile(tmp)
    if (signal?.aborted) throw new CancelledError()
    // Never replace what appeared during the run unless overwrite was given and it is a Graft output.
    beforeReplace()
    if (await exists(outDir)) {
      const trash = `${tmp}.old`
      await rename(outDir, trash)
      await rename(tmp, outDir)
      await rm(trash, { recursive: true, force: true })
    } else {
      await rename(tmp, outDir)
    }
    await fsyncFile(dirname(outDir))
    phase = 'done'
    emit()
    return { outDir, bytesWritten: Number(Atomics.load(bytes, 0)), seconds: (Date.now() - started) / 1000 }
  } catch (e) {
    Atomics.store(cancel, 0, 1)
    abort.abort()
    await rm(tmp, { recursive: true, force: true })
    if (signal?.aborted) throw new CancelledError()
    const p = (e as NodeJS.ErrnoException | undefined)?.path
    throw typeof p === 'string' && (p.startsWith(tmp) || p === outDir || p === dirname(outDir)) ? outputFsError(e, outDir) : e
  } finally {
    clearInterval(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

/** Runs tasks with the runner's concurrency; the first failure cancels the rest. */
export async function runAll(runner: TaskRunner, tasks: WorkerTask[], signal: AbortSignal, onDone?: (i: number) => void): Promise<unknown[]> {
  const results: unknown[] = new Array(tasks.length)
  let next = 0
  let failed: unknown = null
  const lane = async () => {
    while (next < tasks.length && failed === null) {
      const i = next++
      if (signal.aborted) throw new CancelledError()
      try {
        results[i] = await runner.run(tasks[i], signal)
        onDone?.(i)
      } catch (e) {
        if (failed === null) failed = e
        throw e
      }
    }
  }
  const lanes = Array.from({ length: Math.max(1, Math.min(runner.concurrency, tasks.length)) }, lane)
  const settled = await Promise.allSettled(lanes)
  if (failed !== null) throw failed
  const rejected = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined
  if (rejected) throw rejected.reason
  return results
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}
