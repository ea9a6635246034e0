import { isFloatDtype } from '../../shared/dtypes'
import type { Plan } from '../../shared/plan'
import { readModelInfo } from '../model/read-model-info'
import { CHUNK_F32_BYTES, runAll } from './execute-plan'
import { rowGeometry } from './run-chunk'
import type { RowScan } from './scan-rows'
import { newControl, type TaskRunner, type WorkerTask } from './worker-task'

export interface OutputVerification {
  ok: boolean
  tensors: number
  /** Tensors whose name, dtype or shape differ from the plan. */
  mismatched: string[]
  /** Touched tensors with NaN or ±Inf values, and in how many rows. */
  nonFinite: { tensor: string; rows: number }[]
  vocab: { configVocabSize: number | null; embedRows: number | null; headRows: number | null; tied: boolean }
}

/**
 * Reads a finished output back: every planned tensor is there with its dtype and shape, the
 * vocabulary sizes agree, and no tensor Graft computed holds NaN or ±Inf (scanned in the pool).
 */
export async function verifyOutput(opts: { plan: Plan; runner: TaskRunner; signal?: AbortSignal }): Promise<OutputVerification> {
  const info = await readModelInfo(opts.plan.output.dir)
  const mismatched: string[] = []
  const tasks: WorkerTask[] = []
  const control = newControl()
  for (const t of opts.plan.tensors) {
    const got = info.checkpoint.tensors.get(t.name)
    if (!got || got.dtype !== t.dtype || got.shape.join() !== t.shape.join()) {
      mismatched.push(t.name)
      continue
    }
    const computed = !(t.recipe.length === 1 && (t.recipe[0] === 'copy' || t.recipe[0] === 'cast'))
    if (!computed || !isFloatDtype(t.dtype)) continue
    const { rows, rowElems } = rowGeometry(got.shape)
    const per = Math.max(1, Math.floor(CHUNK_F32_BYTES / (4 * Math.max(1, rowElems))))
    for (let r = 0; r < rows; r += per) tasks.push({ kind: 'rows', scan: { tensor: got, rowStart: r, rowEnd: Math.min(rows, r + per) }, control })
  }
  const scans = (await runAll(opts.runner, tasks, opts.signal ?? new AbortController().signal)) as { scan: RowScan }[]
  const bad = new Map<string, number>()
  scans.forEach(({ scan }, i) => {
    const name = (tasks[i] as Extract<WorkerTask, { kind: 'rows' }>).scan.tensor.name
    let n = 0
    for (const m of scan.maxAbs) if (!Number.isFinite(m)) n++
    if (n) bad.set(name, (bad.get(name) ?? 0) + n)
  })
  const embedRows = info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : null
  const headRows = info.headName ? info.checkpoint.tensors.get(info.headName)!.shape[0] : info.tied ? embedRows : null
  const nonFinite = [...bad.entries()].map(([tensor, rows]) => ({ tensor, rows }))
  const vocabOk = (embedRows === null || info.vocabSize === null || embedRows === info.vocabSize) && (headRows === null || headRows === embedRows)
  return { ok: mismatched.length === 0 && nonFinite.length === 0 && vocabOk, tensors: info.checkpoint.tensors.size, mismatched, nonFinite, vocab: { configVocabSize: info.vocabSize, embedRows, headRows, tied: info.tied } }
}
