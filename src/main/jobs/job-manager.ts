import { randomUUID } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobInfo, PlannedJobRequest, ReviewedPlan, RunPlanParams, UnplannedJobRequest } from '../../shared/api'
import type { Plan } from '../../shared/plan'
import type { JobProgress } from '../../shared/progress'
import { runAll } from '../../core/exec/execute-plan'
import { newControl, controlViews, type TaskRunner, type WorkerTask } from '../../core/exec/worker-task'
import { CancelledError, GraftError, toErrorInfo } from '../../core/errors'
import { readModelInfo } from '../../core/model/read-model-info'
import { checkInputFile } from '../../core/exec/read-input-file'
import { scanVocabRows } from '../../core/vocab/scan-vocab-rows'
import { vocabTruthTable } from '../../core/vocab/vocab-truth-table'
import { normHistogram } from '../../core/vocab/norm-histogram'
import type { ScanResult } from '../../shared/api'
import { jobTitle } from './job-title'
import { planOperation, readsTokenizers } from '../../core/ops/operations'
import { jobOperation } from '../../core/ops/job-operation'
import { runOperation } from '../../core/ops/run-operation'
import { changedInputs, stampPlanInputs, type FileStamp } from '../../core/ops/input-stamps'
import { isHubJob, runHubJob, type HubJobDeps } from '../hub/hub-jobs'
import { isCompareJob, runCompareJob } from '../compare/compare-jobs'
import type { CompareService } from '../compare/compare-service'

const PROGRESS_MS = 200
const MAX_FINISHED_JOBS = 50
/** Reviewed plans kept for jobs.start: a plan holds every tensor's recipe (and edited tokenizer files), so only the latest few. */
export const MAX_KEPT_PLANS = 20
/** A plan older than this is not run: review it again (its inputs may have moved on in ways stamps miss, e.g. a restored backup). */
export const PLAN_TTL_MS = 60 * 60_000

interface KeptPlan {
  kind: PlannedJobRequest['kind']
  title: string
  plan: Plan
  stamps: FileStamp[]
  madeAt: number
}

/**
 * Runs long operations in the worker pool: submit, progress (≥ 4 updates a second), cancel
 * (AbortSignal plus the soft cancel flag workers poll), a job list, and errors as codes.
 * Output-writing jobs run a reviewed plan by its id (plan → startPlan): what was reviewed is
 * what runs, refused with PLAN_STALE when an input file changed since. Planning reads headers and
 * configs on this thread; planning that parses tokenizers runs on the tokenizer thread (the
 * compare service) when there is one. It never touches tensor bytes itself.
 */
export class JobManager {
  private readonly jobs = new Map<string, { info: JobInfo; abort: AbortController; done: Promise<void> }>()
  private readonly listeners = new Set<(job: JobInfo) => void>()
  private readonly plans = new Map<string, KeptPlan>()

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

  /** Starts a job that needs no plan (scan, hash, Hub, compare-corpus). */
  start(req: UnplannedJobRequest): string {
    return this.launch(req.kind, jobTitle(req), async (signal, onProgress, log) => {
      if (isHubJob(req)) return runHubJob(req, this.deps.hub, signal, onProgress, log)
      if (isCompareJob(req)) return runCompareJob(req, this.deps.compare, signal, onProgress, log)
      if (req.kind === 'hash') return this.runHash(req.params.path, signal, onProgress)
      if (req.kind === 'scan') return this.runScan(req.params.path, signal, onProgress, req.params.newFrom)
      throw new GraftError('BAD_REQUEST', `A ${(req as { kind: string }).kind} job runs a reviewed plan: ask jobs.plan first, then start it by its planId.`)
    })
  }

  /**
   * Plans an output-writing job (nothing is written) and keeps the plan, with the stamps of every
   * input file it read, for startPlan. Untrained-fix scans rows here, once.
   */
  async plan(req: PlannedJobRequest, signal?: AbortSignal): Promise<ReviewedPlan> {
    const op = jobOperation(req)
    const plan = readsTokenizers(op) && this.deps.compare ? await this.deps.compare.planOperation(op, signal) : await planOperation(op, { runner: this.runner, signal })
    const stamps = await stampPlanInputs(plan)
    const planId = randomUUID()
    this.prunePlans()
    this.plans.set(planId, { kind: req.kind, title: jobTitle(req), plan, stamps, madeAt: Date.now() })
    while (this.plans.size > MAX_KEPT_PLANS) this.plans.delete(this.plans.keys().next().value!)
    return { planId, plan }
  }

  /** Runs exactly the reviewed plan `planId`; refuses (PLAN_STALE) when it is gone or an input changed. */
  async startPlan(p: RunPlanParams): Promise<{ id: string; outDir: string }> {
    this.prunePlans()
    const kept = this.plans.get(p.planId)
    if (!kept)
      throw new GraftError('PLAN_STALE', 'This plan is no longer kept (Graft keeps the last 20 plans for an hour, and none across a restart).', { hint: 'Review the plan again, then run it.' })
    const changed = await changedInputs(kept.stamps)
    if (changed.length)
      throw new GraftError('PLAN_STALE', `The inputs changed since the plan was made: ${changed.slice(0, 3).map((c) => c.change).join('; ')}${changed.length > 3 ? ` (and ${changed.length - 3} more)` : ''}.`, {
        file: changed[0].path,
        hint: 'Review the plan again: the reviewed plan no longer describes these inputs.',
      })
    const { plan } = kept
    const id = this.launch(kept.kind, kept.title, (signal, onProgress, log) => {
      for (const d of plan.decisions) log.push(`decision: ${d.message}`)
      for (const w of plan.warnings) log.push(`warning: ${w.message}`)
      return runOperation({ plan, runner: this.runner, signal, onProgress, overwrite: p.overwrite, allowNonFinite: p.allowNonFinite, onLog: (line) => log.push(line) }).then((res) => {
        log.push(`wrote ${res.outDir} (${res.bytesWritten} bytes in ${res.seconds.toFixed(2)} s)`)
        return res
      })
    })
    return { id, outDir: plan.output.dir }
  }

  private prunePlans(): void {
    const now = Date.now()
    for (const [id, k] of this.plans) if (now - k.madeAt > PLAN_TTL_MS) this.plans.delete(id)
  }

  private launch(kind: JobInfo['kind'], title: string, body: (signal: AbortSignal, onProgress: (p: JobProgress) => void, log: string[]) => Promise<unknown>): string {
    const id = randomUUID()
    const abort = new AbortController()
    const info: JobInfo = {
      id,
      kind,
      title,
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
        info.result = await body(abort.signal, onProgress, info.log)
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

  /** Scans the embedding and head rows in the pool: untrained rows and norm histograms for the plots. */
  private async runScan(path: string, signal: AbortSignal, onProgress: (p: JobProgress) => void, newFrom?: number): Promise<ScanResult> {
    const info = await readModelInfo(path)
    const total = (info.embedName ? info.checkpoint.tensors.get(info.embedName)!.byteLength : 0) + (info.headName && !info.tied ? info.checkpoint.tensors.get(info.headName)!.byteLength : 0)
    const started = Date.now()
    onProgress({ phase: 'stats', bytesDone: 0, bytesTotal: total, tensorsDone: 0, tensorsTotal: 2, bytesPerSec: 0, etaSec: null })
    const scan = await scanVocabRows({ info, runner: this.runner, signal })
    // The token strings come from tokenizer.json: parsed on the tokenizer thread when there is one (seconds for a big vocabulary).
    const rows = { untrainedEmbed: scan.untrainedEmbed, untrainedHead: scan.untrainedHead, head: scan.head ? true : null }
    const table = this.deps.compare ? await this.deps.compare.vocabTable({ path, scan: rows }, signal) : await vocabTruthTable({ dir: path, info, scan: rows })
    const secs = (Date.now() - started) / 1000
    onProgress({ phase: 'done', bytesDone: total, bytesTotal: total, tensorsDone: 2, tensorsTotal: 2, bytesPerSec: secs > 0 ? total / secs : 0, etaSec: 0 })
    const histograms = [scan.embed, scan.head]
      .filter((x): x is NonNullable<typeof x> => x !== null)
      .map((t) => normHistogram({ tensor: t.name, norms: t.norms, untrained: t === scan.embed ? scan.untrainedEmbed : scan.untrainedHead, newFrom: newFrom ?? null, bins: 48 }))
    return { untrainedEmbed: scan.untrainedEmbed, untrainedHead: scan.untrainedHead, untrained: table.untrained ?? [], histograms }
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
