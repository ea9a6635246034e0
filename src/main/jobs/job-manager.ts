import { randomUUID } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobInfo, JobRequest } from '../../shared/api'
import type { JobProgress } from '../../shared/progress'
import { executePlan, runAll } from '../../core/exec/execute-plan'
import { newControl, controlViews, type TaskRunner, type WorkerTask } from '../../core/exec/worker-task'
import { CancelledError, GraftError, toErrorInfo } from '../../core/errors'
import { readModelInfo } from '../../core/model/read-model-info'
import { checkInputFile } from '../../core/exec/read-input-file'
import { scanVocabRows } from '../../core/vocab/scan-vocab-rows'
import { vocabTruthTable } from '../../core/vocab/vocab-truth-table'
import { normHistogram } from '../../core/vocab/norm-histogram'
import type { ScanResult } from '../../shared/api'
import { jobTitle, planJob, type PlannedRequest } from './plan-job'
import { verifyOutput } from '../../core/exec/verify-output'
import { isHubJob, runHubJob, type HubJobDeps } from '../hub/hub-jobs'
import { isCompareJob, runCompareJob } from '../compare/compare-jobs'
import type { CompareService } from '../compare/compare-service'

const PROGRESS_MS = 200
const MAX_FINISHED_JOBS = 50

/**
 * Runs long operations in the worker pool: submit, progress (≥ 4 updates a second), cancel
 * (AbortSignal plus the soft cancel flag workers poll), a job list, and errors as codes.
 * It plans on this thread (headers and configs only) and never touches tensor bytes itself.
 */
export class JobManager {
  private readonly jobs = new Map<string, { info: JobInfo; abort: AbortController; done: Promise<void> }>()
  private readonly listeners = new Set<(job: JobInfo) => void>()

  /** `hub` gives Hub jobs (hub-download, hub-upload) their config, `compare` runs compare-corpus jobs; the composition roots inject them. */
  constructor(
    /** The engine's worker pool; also lends short compute tasks to the API (adapter.deltaNorms). */
    readonly runner: TaskRunner,
    private readonly deps: { hub?: HubJobDeps; compare?: CompareService } = {},
  ) {}

  onUpdate(listener: (job: JobInfo) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => structuredClone(j.info)).sort((a, b) => b.startedAt - a.startedAt)
  }

  get(id: string): JobInfo | undefined {
    const j = this.jobs.get(id)
    return j ? structuredClone(j.info) : undefined
  }

  /** Resolves when the job has ended, whatever the outcome. */
  async wait(id: string): Promise<JobInfo> {
    const j = this.jobs.get(id)
    if (!j) throw new GraftError('NOT_FOUND', `No job ${id}.`)
    await j.done
    return structuredClone(j.info)
  }

  cancel(id: string): boolean {
    const j = this.jobs.get(id)
    if (!j || (j.info.state !== 'running' && j.info.state !== 'queued')) return false
    j.abort.abort()
    return true
  }

  start(req: JobRequest): string {
    const id = randomUUID()
    const abort = new AbortController()
    const info: JobInfo = {
      id,
      kind: req.kind,
      title: jobTitle(req),
      state: 'running',
      progress: null,
      startedAt: Date.now(),
      endedAt: null,
      error: null,
      result: null,
      log: [],
    }
    const entry = { info, abort, done: Promise.resolve() }
    this.jobs.set(id, entry)
    this.prune()
    const onProgress = (p: JobProgress) => {
      info.progress = p
      this.emit(info)
    }
    entry.done = (async () => {
      this.emit(info)
      try {
        if (isHubJob(req)) info.result = await runHubJob(req, this.deps.hub, abort.signal, onProgress, info.log)
        else if (isCompareJob(req)) info.result = await runCompareJob(req, this.deps.compare, abort.signal, onProgress, info.log)
        else if (req.kind === 'hash') info.result = await this.runHash(req.params.path, abort.signal, onProgress)
        else if (req.kind === 'scan') info.result = await this.runScan(req.params.path, abort.signal, onProgress, req.params.newFrom)
        else info.result = await this.runPlanned(req, abort.signal, onProgress, info)
        info.state = 'done'
      } catch (e) {
        const err = toErrorInfo(e)
        info.state = err.code === 'CANCELLED' ? 'cancelled' : 'failed'
        info.error = err
        info.log.push(`${err.code}: ${err.message}`)
      } finally {
        info.endedAt = Date.now()
        this.emit(info)
      }
    })()
    return id
  }

  private async runPlanned(req: PlannedRequest, signal: AbortSignal, onProgress: (p: JobProgress) => void, info: JobInfo) {
    onProgress({ phase: 'planning', bytesDone: 0, bytesTotal: 0, tensorsDone: 0, tensorsTotal: 0, bytesPerSec: 0, etaSec: null })
    const plan = await planJob(req, this.runner, signal)
    for (const d of plan.decisions) info.log.push(`decision: ${d.message}`)
    for (const w of plan.warnings) info.log.push(`warning: ${w.message}`)
    const res = await executePlan({ plan, runner: this.runner, signal, onProgress, overwrite: req.params.overwrite, onLog: (line) => info.log.push(line) })
    info.log.push(`wrote ${res.outDir} (${res.bytesWritten} bytes in ${res.seconds.toFixed(2)} s)`)
    const verification = await verifyOutput({ plan, runner: this.runner, signal })
    info.log.push(verification.ok ? `verified: ${verification.tensors} tensors, vocab ${verification.vocab.embedRows ?? '?'}, no NaN/Inf in computed tensors` : `verification found problems: ${JSON.stringify({ mismatched: verification.mismatched, nonFinite: verification.nonFinite })}`)
    return { outDir: res.outDir, bytesWritten: res.bytesWritten, seconds: res.seconds, decisions: plan.decisions, warnings: plan.warnings, verification }
  }

  /** Scans the embedding and head rows in the pool: untrained rows and norm histograms for the plots. */
  private async runScan(path: string, signal: AbortSignal, onProgress: (p: JobProgress) => void, newFrom?: number): Promise<ScanResult> {
    const info = await readModelInfo(path)
    const total = (info.embedName ? info.checkpoint.tensors.get(info.embedName)!.byteLength : 0) + (info.headName && !info.tied ? info.checkpoint.tensors.get(info.headName)!.byteLength : 0)
    const started = Date.now()
    onProgress({ phase: 'stats', bytesDone: 0, bytesTotal: total, tensorsDone: 0, tensorsTotal: 2, bytesPerSec: 0, etaSec: null })
    const scan = await scanVocabRows({ info, runner: this.runner, signal })
    const table = await vocabTruthTable({ dir: path, info, scan })
    const secs = (Date.now() - started) / 1000
    onProgress({ phase: 'done', bytesDone: total, bytesTotal: total, tensorsDone: 2, tensorsTotal: 2, bytesPerSec: secs > 0 ? total / secs : 0, etaSec: 0 })
    const histograms = [scan.embed, scan.head]
      .filter((x): x is NonNullable<typeof x> => x !== null)
      .map((t) => normHistogram({ tensor: t.name, norms: t.norms, untrained: t === scan.embed ? scan.untrainedEmbed : scan.untrainedHead, newFrom: newFrom ?? null, bins: 48 }))
    return { untrainedEmbed: scan.untrainedEmbed, untrainedHead: scan.untrainedHead, untrained: table.untrained ?? [], histograms }
  }

  /** The plan of an output-writing job, for the preflight screen (untrained-fix scans rows first). */
  async plan(req: PlannedRequest, signal?: AbortSignal) {
    return planJob(req, this.runner, signal)
  }

  /** Hashes every file of a folder (sha256) in the pool, with progress: the first real job. */
  private async runHash(path: string, signal: AbortSignal, onProgress: (p: JobProgress) => void) {
    const s = await stat(path).catch(() => null)
    // Only regular files are hashed: a pipe or a device (/dev/zero) would be read forever.
    if (!s?.isDirectory()) await checkInputFile(path)
    const files = s?.isDirectory() ? (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(path, e.name)).sort() : [path]
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size))
    const total = sizes.reduce((a, b) => a + b, 0)
    const control = newControl()
    const { cancel, bytes } = controlViews(control)
    const onAbort = () => Atomics.store(cancel, 0, 1)
    signal.addEventListener('abort', onAbort)
    const started = Date.now()
    let done = 0
    const tick = (phase: JobProgress['phase']) => {
      const b = Number(Atomics.load(bytes, 0))
      const secs = (Date.now() - started) / 1000
      const rate = secs > 0 ? b / secs : 0
      onProgress({ phase, bytesDone: b, bytesTotal: total, tensorsDone: done, tensorsTotal: files.length, bytesPerSec: rate, etaSec: rate > 0 ? (total - b) / rate : null })
    }
    const timer = setInterval(() => tick('hashing'), PROGRESS_MS)
    try {
      const tasks: WorkerTask[] = files.map((file) => ({ kind: 'hash', file, control }))
      const results = (await runAll(this.runner, tasks, signal, () => done++)) as { sha256: string; bytes: number }[]
      if (signal.aborted) throw new CancelledError()
      tick('done')
      return { files: files.map((f, i) => ({ file: f, bytes: results[i].bytes, sha256: results[i].sha256 })) }
    } finally {
      clearInterval(timer)
      signal.removeEventListener('abort', onAbort)
    }
  }

  private emit(info: JobInfo): void {
    const copy = structuredClone(info)
    for (const l of this.listeners) l(copy)
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.endedAt !== null).sort((a, b) => a.info.startedAt - b.info.startedAt)
    while (finished.length > MAX_FINISHED_JOBS) this.jobs.delete(finished.shift()!.info.id)
  }
}
