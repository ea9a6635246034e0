import type { Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan, PlanInput, PlanNote, RecipeKind, RowStat, TensorPlan, TensorRef } from '../../shared/plan'
import { layoutShards } from '../safetensors/layout-shards'
import { CHUNK_F32_BYTES } from '../exec/execute-plan'
import { planOutputNotes } from '../exec/check-output'
import { BASE_PROCESS_BYTES, defaultThreads, PER_THREAD_OVERHEAD_BYTES } from '../exec/threads'

/** A tensor's recipe before the output layout fixes its shard and offset. */
export type TensorDraft = Omit<TensorPlan, 'shard' | 'offset' | 'byteLength' | 'recipe'> & { group: number }

export function recipeOf(t: TensorDraft): RecipeKind[] {
  const r: RecipeKind[] = []
  if (t.source && t.sourceRole === 'adapter') r.push('replace')
  else if (t.source && t.source.dtype !== t.dtype) r.push('cast')
  if (t.newRows) r.push('resize-rows')
  if (t.setRows?.length) r.push('set-rows')
  if (t.lora?.length || t.dora || t.biasTerms?.length) r.push('lora')
  if (r.length === 0) r.push('copy')
  return r
}

/** Fixes the output layout and estimates for a list of tensor drafts, producing the final plan. */
export function finishPlan(opts: {
  operation: Plan['operation']
  title: string
  inputs: PlanInput[]
  outDir: string
  dtype: Dtype | 'keep'
  maxShardBytes?: number
  metadata?: Record<string, string>
  drafts: TensorDraft[]
  stats: RowStat[]
  files: FileEdit[]
  decisions: PlanNote[]
  warnings: PlanNote[]
  threads?: number
  /** Stem of the weights files (see PlanOutput.weightsPrefix); default "model". */
  weightsPrefix?: string
}): Plan {
  const prefix = opts.weightsPrefix ?? 'model'
  const layout = layoutShards({
    tensors: opts.drafts.map((d) => ({ name: d.name, dtype: d.dtype, shape: d.shape, group: d.group })),
    maxShardBytes: opts.maxShardBytes,
    metadata: opts.metadata ?? { format: 'pt' },
    prefix,
  })
  const byName = new Map(layout.tensors.map((t) => [t.name, t]))
  const tensors: TensorPlan[] = opts.drafts.map((d) => {
    const p = byName.get(d.name)!
    const { group: _g, ...rest } = d
    return { ...rest, recipe: recipeOf(d), shard: p.shard, offset: p.offset, byteLength: p.byteLength }
  })
  // Layout order: shard, then offset — the order workers write in.
  tensors.sort((a, b) => a.shard - b.shard || a.offset - b.offset)
  const refs = new Set<string>()
  let bytesRead = 0
  const addRead = (r: TensorRef | null | undefined) => {
    if (!r) return
    const k = `${r.file}@${r.offset}`
    if (refs.has(k)) return
    refs.add(k)
    bytesRead += r.byteLength
  }
  for (const t of tensors) {
    addRead(t.source)
    for (const l of t.lora ?? []) {
      addRead(l.a)
      addRead(l.b)
    }
  }
  for (const s of opts.stats) {
    const rows = s.tensor.shape[0] || 1
    const rowBytes = s.tensor.byteLength / rows
    const used = s.rowList ? s.rowList.length : Math.min(rows, s.rows) - (s.fromRow ?? 0)
    bytesRead += used * rowBytes
  }
  const threads = opts.threads ?? defaultThreads()
  // The output folder is checked now, so a plan that cannot run says so before Run.
  const outNotes = planOutputNotes(opts.outDir, { inputs: opts.inputs, tensors, stats: opts.stats, files: opts.files })
  const largestSmall = Math.max(0, ...tensors.filter((t) => t.dora?.normAxis === 'column').map((t) => t.byteLength * 4))
  return {
    version: 1,
    operation: opts.operation,
    title: opts.title,
    inputs: opts.inputs,
    output: { dir: opts.outDir, dtype: opts.dtype, maxShardBytes: opts.maxShardBytes ?? 0, shards: layout.shards, indexed: layout.indexed, totalBytes: layout.totalBytes, metadata: opts.metadata ?? { format: 'pt' }, ...(prefix !== 'model' ? { weightsPrefix: prefix } : {}) },
    tensors,
    stats: opts.stats,
    files: opts.files,
    decisions: opts.decisions,
    warnings: [...opts.warnings, ...outNotes.warnings],
    ...(outNotes.errors.length ? { errors: outNotes.errors } : {}),
    estimates: {
      bytesRead,
      bytesWritten: layout.shards.reduce((a, s) => a + s.size, 0),
      // Each thread holds one chunk in f32 plus its encoded copy and source bytes (≈ 2.5× the f32
      // bound) and its own heap; plus the process itself (calibrated on the 7B bench: 233 MB at 2
      // threads, 332 MB at 4).
      peakMemoryBytes: BASE_PROCESS_BYTES + threads * (Math.ceil(CHUNK_F32_BYTES * 2.5) + PER_THREAD_OVERHEAD_BYTES) + largestSmall,
      tensorCount: tensors.length,
    },
  }
}
