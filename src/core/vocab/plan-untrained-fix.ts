import { join } from 'node:path'
import type { FileEdit, Plan, PlanNote, RowStat } from '../../shared/plan'
import { GraftError } from '../errors'
import { readModelInfo } from '../model/read-model-info'
import { finishPlan, type TensorDraft } from '../plan/finish-plan'
import { copyModelFiles } from '../plan/model-files'
import { UNTRAINED_EPS } from './scan-vocab-rows'
import { vocabTensors } from './plan-resize'

export interface UntrainedFixRequest {
  base: string
  out: string
  /** Rows to repair, from scanVocabRows (embedding and head separately). */
  embedRows: number[]
  headRows: number[]
  /** 'trained-mean' (default): the mean of the rows that are trained; 'mean': of all rows. */
  strategy?: 'trained-mean' | 'mean'
}

/**
 * Plans the untrained-token repair: the listed rows of the embedding and head are overwritten with
 * the mean of that tensor's trained rows (rows with some |x| > 1e-16, not among the rows being
 * repaired); everything else is copied.
 */
export async function planUntrainedFix(req: UntrainedFixRequest): Promise<Plan> {
  const info = await readModelInfo(req.base)
  const { embed, head } = vocabTensors(info)
  const strategy = req.strategy ?? 'trained-mean'
  if (req.embedRows.length === 0 && req.headRows.length === 0) throw new GraftError('BAD_REQUEST', `${info.dir} has no untrained rows to repair.`, { hint: 'Run graft untrained scan to see the rows.' })
  const stats: RowStat[] = []
  // The trained mean leaves out the rows being repaired (Unsloth leaves its untrained rows out of both
  // means): for the head that matters, Llama 3.1's untrained head rows are equal, not zero.
  const statFor = (ref: typeof embed, rows: number[]) => {
    stats.push({ id: stats.length, kind: strategy, tensor: ref, rows: ref.shape[0], eps: UNTRAINED_EPS, ...(strategy === 'trained-mean' ? { excludeRows: [...rows].sort((a, b) => a - b) } : {}) })
    return stats.length - 1
  }
  const fileIndex = new Map(info.checkpoint.files.map((f, i) => [f, i]))
  const drafts: TensorDraft[] = []
  for (const ref of info.checkpoint.tensors.values()) {
    const d: TensorDraft = { name: ref.name, dtype: ref.dtype, shape: [...ref.shape], source: ref, sourceRole: 'base', group: fileIndex.get(ref.file) ?? 0 }
    const rows = ref === embed ? req.embedRows : ref === head ? req.headRows : []
    if (rows.length) {
      for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= ref.shape[0]) throw new GraftError('BAD_REQUEST', `Row ${r} is outside ${ref.name} (${ref.shape[0]} rows).`, { tensor: ref.name })
      d.setRows = [{ rows, from: { stat: statFor(ref, rows) } }]
      d.note = `${rows.length} untrained rows set to the ${strategy === 'trained-mean' ? 'mean of trained rows' : 'mean of all rows'}`
    }
    drafts.push(d)
  }
  const decisions: PlanNote[] = [{ code: 'UNTRAINED_FIXED', message: `${req.embedRows.length} embedding row(s)${head ? ` and ${req.headRows.length} head row(s)` : ''} are set to the ${strategy === 'trained-mean' ? 'mean of the trained rows' : 'mean of all rows'} of their tensor.` }]
  if (info.tied) decisions.push({ code: 'TIED_KEPT', message: 'The head is tied to the embedding, so it is repaired with it.' })
  const warnings: PlanNote[] = []
  const files: FileEdit[] = [{ kind: 'copy', from: join(info.dir, 'config.json'), path: 'config.json', reason: 'unchanged' }, ...(await copyModelFiles({ dir: info.dir, skip: ['config.json'], warnings }))]
  return finishPlan({ operation: 'untrained-fix', title: `Repair untrained rows of ${info.dir}`, inputs: [{ role: 'base', path: info.dir }], outDir: req.out, dtype: 'keep', metadata: { format: 'pt' }, drafts, stats, files, decisions, warnings })
}
