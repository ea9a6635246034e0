import { join } from 'node:path'
import { isFloatDtype, type Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan, PlanNote, RowInit, RowStat, TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { editJsonText } from '../json/edit-json-text'
import { readModelInfo, type ModelInfo } from '../model/read-model-info'
import { finishPlan, type TensorDraft } from '../plan/finish-plan'
import { copyModelFiles } from '../plan/model-files'
import { UNTRAINED_EPS } from './scan-vocab-rows'

/** How the new rows of a grown embedding (and head) are filled. */
export type InitStrategy =
  | { kind: 'mean' }
  | { kind: 'trained-mean'; eps?: number }
  /** Mean of the rows of the pieces the OLD tokenizer splits each new token's text into (one list per new row). */
  | { kind: 'subtoken-mean'; pieces: number[][] }
  | { kind: 'mean-noise'; seed: number; std?: number }
  | { kind: 'copy-row'; row: number }
  | { kind: 'zeros' }

/** Default noise for 'mean-noise': small against typical embedding scales (std ≈ 0.02). */
export const DEFAULT_NOISE_STD = 1e-3

export interface ResizeRequest {
  base: string
  out: string
  /** Target rows; absent means the current rows (then only padding applies). */
  newSize?: number
  padToMultipleOf?: number
  init: InitStrategy
  /** Shrinking drops rows: refused unless asked. */
  allowShrink?: boolean
  dtype?: Dtype | 'keep'
  maxShardBytes?: number
  /** Tokenizer files that replace the base's (from an add-tokens edit). */
  tokenizerEdits?: { path: string; content: string; encoding?: 'base64' }[]
  /** Why the size changes, for the plan (e.g. "3 tokens added"). */
  reason?: string
}

export function targetRows(old: number, newSize: number | undefined, pad: number | undefined): number {
  let n = newSize ?? old
  if (pad !== undefined) {
    if (!Number.isInteger(pad) || pad <= 0) throw new GraftError('BAD_REQUEST', `pad_to_multiple_of must be a positive integer (got ${pad}).`)
    n = Math.ceil(n / pad) * pad
  }
  if (!Number.isInteger(n) || n <= 0) throw new GraftError('BAD_REQUEST', `The new vocabulary size must be a positive integer (got ${n}).`)
  return n
}

/** Row statistics and the new-row init for one vocab tensor. */
export function initFor(strategy: InitStrategy, ref: TensorRef, oldRows: number, newCount: number, stats: RowStat[]): RowInit {
  const add = (s: Omit<RowStat, 'id'>) => {
    const id = stats.length
    stats.push({ id, ...s })
    return id
  }
  switch (strategy.kind) {
    case 'zeros':
      return { zeros: true }
    case 'mean':
      return { stat: add({ kind: 'mean', tensor: ref, rows: oldRows }) }
    case 'trained-mean':
      return { stat: add({ kind: 'trained-mean', tensor: ref, rows: oldRows, eps: strategy.eps ?? UNTRAINED_EPS }) }
    case 'mean-noise':
      return { stat: add({ kind: 'mean', tensor: ref, rows: oldRows }), noise: { seed: strategy.seed, std: strategy.std ?? DEFAULT_NOISE_STD } }
    case 'copy-row':
      if (!Number.isInteger(strategy.row) || strategy.row < 0 || strategy.row >= oldRows) throw new GraftError('BAD_REQUEST', `Row ${strategy.row} to copy is outside the ${oldRows} existing rows.`)
      return { stat: add({ kind: 'mean', tensor: ref, rows: strategy.row + 1, fromRow: strategy.row }) }
    case 'subtoken-mean': {
      const perRow: number[] = []
      for (let i = 0; i < newCount; i++) {
        const pieces = strategy.pieces[i]
        if (!pieces || pieces.length === 0 || pieces.some((p) => p >= oldRows)) {
          // Padding rows (beyond the new tokens) or a token with no usable pieces: mean of all rows.
          perRow.push(add({ kind: 'mean', tensor: ref, rows: oldRows }))
        } else perRow.push(add({ kind: 'mean', tensor: ref, rows: oldRows, rowList: pieces }))
      }
      return { perRow }
    }
  }
}

/** Vocab tensors of a model: the embedding and, when it exists in the file, the head and its bias. */
export function vocabTensors(info: ModelInfo): { embed: TensorRef; head: TensorRef | null; headBias: TensorRef | null } {
  if (!info.embedName) throw new GraftError('UNSUPPORTED_MODEL', `No input embedding found in ${info.dir}.`, { file: info.dir, hint: 'Graft looks for *.embed_tokens.weight, wte.weight or word_embeddings.weight.' })
  const embed = info.checkpoint.tensors.get(info.embedName)!
  const head = info.headName ? info.checkpoint.tensors.get(info.headName)! : null
  const biasName = info.headName?.replace(/weight$/, 'bias')
  const headBias = biasName && info.checkpoint.tensors.has(biasName) ? info.checkpoint.tensors.get(biasName)! : (info.checkpoint.tensors.get('final_logits_bias') ?? null)
  return { embed, head, headBias }
}

/**
 * Plans an embedding resize without loading the model: only the embedding, the head and the head
 * bias are rewritten (old rows bit for bit, new rows from the chosen statistic of that tensor);
 * every other tensor is byte-copied. Tied models stay tied; untied heads get their own statistics.
 */
export async function planResize(req: ResizeRequest): Promise<Plan> {
  const info = await readModelInfo(req.base)
  const { embed, head, headBias } = vocabTensors(info)
  const old = embed.shape[0]
  const n = targetRows(old, req.newSize, req.padToMultipleOf)
  const decisions: PlanNote[] = []
  const warnings: PlanNote[] = []
  if (n < old && !req.allowShrink)
    throw new GraftError('BAD_REQUEST', `Resizing ${embed.name} from ${old} to ${n} rows would delete ${old - n} trained rows.`, { tensor: embed.name, hint: 'Pass --allow-shrink if you really mean to drop rows (e.g. padding rows beyond the tokenizer).' })
  if (head && head.shape[0] !== old) throw new GraftError('SHAPE_MISMATCH', `${embed.name} has ${old} rows but ${head.name} has ${head.shape[0]}.`, { hint: 'Make them agree first; run graft vocab to see the whole picture.' })
  if (req.init.kind === 'zeros' && n > old) warnings.push({ code: 'ZERO_INIT', message: `The ${n - old} new rows are zeros: untrained rows like these can turn training into NaNs (and give 0 logits). Prefer mean initialisation.` })
  const choice = req.dtype ?? 'keep'
  const outDtype = (d: Dtype) => (choice !== 'keep' && isFloatDtype(d) ? choice : d)
  const fileIndex = new Map(info.checkpoint.files.map((f, i) => [f, i]))
  const stats: RowStat[] = []
  const drafts: TensorDraft[] = []
  const vocabNames = new Set([embed.name, head?.name, headBias?.name].filter(Boolean) as string[])
  for (const ref of info.checkpoint.tensors.values()) {
    const d: TensorDraft = { name: ref.name, dtype: outDtype(ref.dtype), shape: [...ref.shape], source: ref, sourceRole: 'base', group: fileIndex.get(ref.file) ?? 0 }
    if (vocabNames.has(ref.name) && n !== old) {
      if (!isFloatDtype(ref.dtype)) throw new GraftError('DTYPE_MISMATCH', `${ref.name} is ${ref.dtype}; Graft resizes float tensors only.`, { tensor: ref.name })
      d.shape[0] = n
      if (n > old) {
        const isBias = ref === headBias
        const tiedHeadCopy = ref === head && info.tied
        d.newRows = {
          from: old,
          // A tied head's redundant copy follows the embedding's init; a tied head's bias is zero-padded (transformers).
          init: isBias && info.tied ? { zeros: true } : initFor(isBias ? { kind: 'mean' } : req.init, tiedHeadCopy ? embed : ref, old, n - old, stats),
        }
      }
      d.note = n > old ? `${n - old} new rows (${req.init.kind})` : `truncated to ${n} rows`
    } else if (ref.shape[0] === old && ref.shape.length <= 2 && !vocabNames.has(ref.name) && n !== old) {
      warnings.push({ code: 'OTHER_VOCAB_TENSOR', message: `${ref.name} also has ${old} rows (the old vocabulary size) and is left unchanged; check whether it is indexed by token id.` })
    }
    drafts.push(d)
  }
  if (n !== old) {
    decisions.push({
      code: 'RESIZED',
      message: `${embed.name}${head ? ` and ${head.name}` : ''} go from ${old} to ${n} rows${req.reason ? ` (${req.reason})` : ''}${req.padToMultipleOf ? `, padded to a multiple of ${req.padToMultipleOf}` : ''}; config ${info.vocabConfigPath.join('.')} = ${n}.`,
    })
    if (info.tied) decisions.push({ code: 'TIED_KEPT', message: 'The model ties its head to the embedding; it stays tied, so the head grows with the embedding.' })
    else if (head && n > old) decisions.push({ code: 'HEAD_OWN_STATS', message: `The untied head's new rows use the head's own statistics, not the embedding's.` })
  } else decisions.push({ code: 'NO_CHANGE', message: `${embed.name} already has ${n} rows; tensors are copied unchanged.` })
  const edits: { path: string[]; value: unknown }[] = n !== old || info.vocabSize !== n ? [{ path: info.vocabConfigPath, value: n }] : []
  const text = info.config.text_config as Record<string, unknown> | undefined
  if (info.vocabConfigPath.length === 1 && text && typeof text.vocab_size === 'number') edits.push({ path: ['text_config', 'vocab_size'], value: n })
  const dtypeName = choice === 'BF16' ? 'bfloat16' : choice === 'F16' ? 'float16' : 'float32'
  if (choice !== 'keep') edits.push({ path: ['torch_dtype' in info.config ? 'torch_dtype' : 'dtype'], value: dtypeName })
  const tokEdits = req.tokenizerEdits ?? []
  const files: FileEdit[] = [
    { kind: 'write', path: 'config.json', content: editJsonText(info.configText, edits, join(info.dir, 'config.json')), reason: edits.length ? `vocab size ${n}` : 'unchanged' },
    ...tokEdits.map((f) => ({ kind: 'write' as const, path: f.path, content: f.content, encoding: f.encoding, reason: 'edited tokenizer file' })),
    ...(await copyModelFiles({ dir: info.dir, skip: ['config.json', ...tokEdits.map((f) => f.path)], warnings })),
  ]
  return finishPlan({
    operation: 'resize',
    title: `Resize the vocabulary of ${info.dir} to ${n}`,
    inputs: [{ role: 'base', path: info.dir }],
    outDir: req.out,
    dtype: choice,
    maxShardBytes: req.maxShardBytes,
    metadata: { format: 'pt' },
    drafts,
    stats,
    files,
    decisions,
    warnings,
  })
}
