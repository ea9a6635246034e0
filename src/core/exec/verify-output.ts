import { isFloatDtype } from '../../shared/dtypes'
import type { OutputVerification } from '../../shared/api'
import type { Plan, TensorPlan, TensorRef } from '../../shared/plan'
import { readModelInfo, type ModelInfo } from '../model/read-model-info'
import { CHUNK_F32_BYTES, copiedPrefixRows, runAll } from './execute-plan'
import { rowGeometry } from './run-chunk'
import type { RowScan } from './scan-rows'
import { newControl, type TaskRunner, type WorkerTask } from './worker-task'

export type { OutputVerification }

/**
 * Whether Graft computed this tensor's values (and so could have made NaN or ±Inf): anything but
 * a byte copy, or a cast that cannot overflow. A cast to F16 from a wider dtype can (65504 is
 * F16's largest value), so it counts as computed.
 */
function computedByGraft(t: TensorPlan): boolean {
  if (t.recipe.length === 1 && t.recipe[0] === 'copy') return false
  if (t.recipe.length === 1 && t.recipe[0] === 'cast') return t.dtype === 'F16' && t.source?.dtype !== 'F16'
  return true
}

/** Rows of `ref` in [start, end) whose values are not all finite. */
async function nonFiniteRows(refs: { ref: TensorRef; start: number; end: number }[], runner: TaskRunner, signal: AbortSignal): Promise<Set<number>[]> {
  const control = newControl()
  const tasks: WorkerTask[] = []
  const owner: number[] = []
  refs.forEach(({ ref, start, end }, i) => {
    const { rowElems } = rowGeometry(ref.shape)
    const per = Math.max(1, Math.floor(CHUNK_F32_BYTES / (4 * Math.max(1, rowElems))))
    for (let r = start; r < end; r += per) {
      tasks.push({ kind: 'rows', scan: { tensor: ref, rowStart: r, rowEnd: Math.min(end, r + per) }, control })
      owner.push(i)
    }
  })
  const scans = (await runAll(runner, tasks, signal)) as { scan: RowScan }[]
  const out = refs.map(() => new Set<number>())
  scans.forEach(({ scan }, i) => scan.maxAbs.forEach((m, j) => !Number.isFinite(m) && out[owner[i]].add(scan.rowStart + j)))
  return out
}

function lastOf(rows: Set<number>): number {
  let m = -1
  for (const r of rows) if (r > m) m = r
  return m
}

function vocabFacts(info: ModelInfo) {
  const embedRows = info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : null
  const headRows = info.headName ? info.checkpoint.tensors.get(info.headName)!.shape[0] : info.tied ? embedRows : null
  const consistent = (embedRows === null || info.vocabSize === null || embedRows === info.vocabSize) && (headRows === null || headRows === embedRows)
  return { embedRows, headRows, consistent }
}

/**
 * Reads a finished output back (in `dir`, default the plan's output folder): every planned tensor
 * is there with its dtype and shape, the vocabulary sizes agree (unless the base already
 * disagreed), and no tensor Graft computed holds NaN or ±Inf (scanned in the pool).
 *
 * Non-finite rows are split by origin: a row whose base row was already non-finite (NaN + Δ stays
 * NaN) is `inheritedNonFinite`, reported but not Graft's doing; any other row (a new row, a row of
 * an adapter's full tensor, or a finite base row made non-finite by the arithmetic) is `nonFinite`.
 * Tensors Graft only copies, and the old rows a resize copies as bytes, are not scanned.
 */
export async function verifyOutput(opts: { plan: Plan; runner: TaskRunner; signal?: AbortSignal; dir?: string }): Promise<OutputVerification> {
  const signal = opts.signal ?? new AbortController().signal
  const info = await readModelInfo(opts.dir ?? opts.plan.output.dir)
  const mismatched: string[] = []
  const scanned: { t: TensorPlan; ref: TensorRef; from: number; rows: number }[] = []
  for (const t of opts.plan.tensors) {
    const got = info.checkpoint.tensors.get(t.name)
    if (!got || got.dtype !== t.dtype || got.shape.join() !== t.shape.join()) {
      mismatched.push(t.name)
      continue
    }
    // The leading rows a resize copies as bytes are the input's own rows: like a copied tensor, not scanned.
    if (computedByGraft(t) && isFloatDtype(t.dtype)) scanned.push({ t, ref: got, from: copiedPrefixRows(t), rows: rowGeometry(got.shape).rows })
  }
  const bad = await nonFiniteRows(scanned.map(({ ref, from, rows }) => ({ ref, start: from, end: rows })), opts.runner, signal)
  // Where a base row was already non-finite, the output row inherits it.
  const fromBase = scanned
    .map((s, i) => ({ ...s, bad: bad[i] }))
    .filter((s) => s.bad.size > 0 && s.t.source && s.t.sourceRole !== 'adapter' && isFloatDtype(s.t.source.dtype))
  const baseBad = await nonFiniteRows(
    fromBase.map((s) => ({ ref: s.t.source!, start: 0, end: Math.min(rowGeometry(s.t.source!.shape).rows, lastOf(s.bad) + 1) })),
    opts.runner,
    signal,
  )
  const inheritedBy = new Map(fromBase.map((s, i) => [s.t.name, baseBad[i]]))
  const nonFinite: OutputVerification['nonFinite'] = []
  const inheritedNonFinite: OutputVerification['nonFinite'] = []
  scanned.forEach(({ t }, i) => {
    if (bad[i].size === 0) return
    const inBase = inheritedBy.get(t.name) ?? new Set<number>()
    // Rows the recipe overwrites (set-rows) do not come from the base row, even when its index matches.
    const overwritten = new Set((t.setRows ?? []).flatMap((s) => s.rows))
    let inherited = 0
    for (const r of bad[i]) if (inBase.has(r) && !overwritten.has(r)) inherited++
    if (inherited) inheritedNonFinite.push({ tensor: t.name, rows: inherited })
    if (bad[i].size - inherited) nonFinite.push({ tensor: t.name, rows: bad[i].size - inherited })
  })
  const out = vocabFacts(info)
  // A base whose config and tensors already disagree is reported by `graft vocab`; the job did not cause it.
  const base = opts.plan.inputs.find((i) => i.role === 'base')
  const vocabOk = out.consistent || (base ? !vocabFacts(await readModelInfo(base.path)).consistent : false)
  return {
    ok: mismatched.length === 0 && nonFinite.length === 0 && vocabOk,
    tensors: info.checkpoint.tensors.size,
    mismatched,
    nonFinite,
    inheritedNonFinite,
    vocab: { configVocabSize: info.vocabSize, embedRows: out.embedRows, headRows: out.headRows, tied: info.tied },
  }
}
