import { join } from 'node:path'
import { isFloatDtype, type Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan, PlanNote, RowInit, RowStat, TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { editJsonText } from '../json/edit-json-text'
import { readModelInfo, type ModelInfo } from '../model/read-model-info'
import { isNonTokenTensor } from '../model/find-vocab-tensors'
import { finishPlan, type TensorDraft } from '../plan/finish-plan'
import { copyModelFiles } from '../plan/model-files'
import { UNTRAINED_EPS } from './scan-vocab-rows'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'

/** How the new rows of a grown embedding (and head) are filled. */
export type InitStrategy =
  | { kind: 'mean' }
  | { kind: 'trained-mean'; eps?: number }
  /** Mean of the rows of the pieces the OLD tokenizer splits each new token's text into (one list per new row). */
  | { kind: 'subtoken-mean'; pieces: number[][] }
  | { kind: 'mean-noise'; seed: number; std?: number }
  | { kind: 'copy-row'; row: number }
  | { kind: 'zeros' }

/**
 * A resize plan warns when more rows than this share of the tokenizer would have no token: real
 * padding is far below it (Qwen2.5 0.2 %, Phi-1 1.8 %, pad_to_multiple_of 64 a few dozen rows),
 * so beyond it the size is most likely a typo or a wrong unit.
 */
export const NO_TOKEN_ROWS_WARN_FRACTION = 0.05
/** …and never for fewer rows than this (small models, a multiple of 1024). */
export const NO_TOKEN_ROWS_WARN_MIN = 1024

/** The warning for rows beyond the tokenizer, or null when their number is plausible padding. */
export function noTokenRowsWarning(rows: number, tokenizerSize: number, rowBytes: number): PlanNote | null {
  const extra = rows - tokenizerSize
  if (extra <= Math.max(NO_TOKEN_ROWS_WARN_MIN, NO_TOKEN_ROWS_WARN_FRACTION * tokenizerSize)) return null
  const bytes = extra * rowBytes
  const size = bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`
  return {
    code: 'MANY_ROWS_WITHOUT_TOKEN',
    message: `${extra.toLocaleString('en-US')} rows will have no token (${((100 * extra) / tokenizerSize).toLocaleString('en-US', { maximumFractionDigits: 1 })} % of the ${tokenizerSize.toLocaleString('en-US')}-token vocabulary, ${size}). Padding is normally a few dozen to a few hundred rows; check the new size.`,
  }
}

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

/**
 * Vocab tensors of a model: the embedding, the head and its bias when they exist in the file, and
 * the embedding's saved copies (T5). An untied model must have its head in the file: resizing the
 * embedding alone would leave a head transformers cannot load.
 */
export function vocabTensors(info: ModelInfo): { embed: TensorRef; head: TensorRef | null; headBias: TensorRef | null; copies: TensorRef[] } {
  if (!info.embedName)
    throw new GraftError('UNSUPPORTED_MODEL', `No input embedding found in ${info.dir}.`, {
      file: info.dir,
      hint: 'Graft looks for *.embed_tokens, wte, word_embeddings, tok_embeddings, embed_in, embeddings or shared (.weight) outside vision/audio towers.',
    })
  const embed = info.checkpoint.tensors.get(info.embedName)!
  const head = info.headName ? info.checkpoint.tensors.get(info.headName)! : null
  if (!info.tied && !head)
    throw new GraftError('UNSUPPORTED_MODEL', `${info.dir} is untied (${info.tieReason}) but no output head was found for ${info.embedName}.`, {
      file: info.dir,
      hint: `Graft looks for lm_head, output, output_layer or embed_out (.weight) of width ${embed.shape[1]} beside the embedding. Resizing only the embedding would write a model that does not load; if the model really shares its head with the embedding, set tie_word_embeddings: true in config.json.`,
    })
  const biasName = info.headName?.replace(/weight$/, 'bias')
  const headBias = biasName && info.checkpoint.tensors.has(biasName) ? info.checkpoint.tensors.get(biasName)! : (info.checkpoint.tensors.get('final_logits_bias') ?? null)
  const copies = info.embedCopies.map((n) => info.checkpoint.tensors.get(n)!)
  return { embed, head, headBias, copies }
}

/**
 * Plans an embedding resize without loading the model: only the embedding, the head and the head
 * bias are rewritten (old rows bit for bit, new rows from the chosen statistic of that tensor);
 * every other tensor is byte-copied. Tied models stay tied; untied heads get their own statistics.
 */
export async function planResize(req: ResizeRequest): Promise<Plan> {
  const info = await readModelInfo(req.base)
  const { embed, head, headBias, copies } = vocabTensors(info)
  const old = embed.shape[0]
  const n = targetRows(old, req.newSize, req.padToMultipleOf)
  const decisions: PlanNote[] = []
  const warnings: PlanNote[] = []
  if (n < old && !req.allowShrink)
    throw new GraftError('BAD_REQUEST', `Resizing ${embed.name} from ${old} to ${n} rows would delete ${old - n} trained rows.`, { tensor: embed.name, hint: 'Pass --allow-shrink if you really mean to drop rows (e.g. padding rows beyond the tokenizer).' })
  if (head && head.shape[0] !== old) throw new GraftError('SHAPE_MISMATCH', `${embed.name} has ${old} rows but ${head.name} has ${head.shape[0]}.`, { hint: 'Make them agree first; run graft vocab to see the whole picture.' })
  if (n > old && !req.tokenizerEdits) {
    const tokenizerSize = await readTokenizerFiles({ dir: info.dir }).then((f) => f.size, () => null)
    const perRow = [embed, ...(head ? [head] : []), ...copies].reduce((a, t) => a + t.byteLength / Math.max(1, t.shape[0]), 0)
    const w = tokenizerSize !== null ? noTokenRowsWarning(n, tokenizerSize, perRow) : null
    if (w) warnings.push(w)
  }
  if (req.init.kind === 'zeros' && n > old) warnings.push({ code: 'ZERO_INIT', message: `The ${n - old} new rows are zeros: untrained rows like these can turn training into NaNs (and give 0 logits). Prefer mean initialisation.` })
  const choice = req.dtype ?? 'keep'
  const outDtype = (d: Dtype) => (choice !== 'keep' && isFloatDtype(d) ? choice : d)
  const fileIndex = new Map(info.checkpoint.files.map((f, i) => [f, i]))
  const stats: RowStat[] = []
  const drafts: TensorDraft[] = []
  const vocabNames = new Set([embed.name, head?.name, headBias?.name, ...copies.map((c) => c.name)].filter(Boolean) as string[])
  const unaccounted: string[] = []
  for (const ref of info.checkpoint.tensors.values()) {
    const d: TensorDraft = { name: ref.name, dtype: outDtype(ref.dtype), shape: [...ref.shape], source: ref, sourceRole: 'base', group: fileIndex.get(ref.file) ?? 0 }
    if (vocabNames.has(ref.name) && n !== old) {
      if (!isFloatDtype(ref.dtype)) throw new GraftError('DTYPE_MISMATCH', `${ref.name} is ${ref.dtype}; Graft resizes float tensors only.`, { tensor: ref.name })
      d.shape[0] = n
      if (n > old) {
        const isBias = ref === headBias
        // A tied head in the file and the embedding's saved copies are the embedding itself: they follow its init.
        const tiedHeadCopy = (ref === head && info.tied) || copies.includes(ref)
        d.newRows = {
          from: old,
          // A tied head's redundant copy follows the embedding's init; a tied head's bias is zero-padded (transformers).
          init: isBias && info.tied ? { zeros: true } : initFor(isBias ? { kind: 'mean' } : req.init, tiedHeadCopy ? embed : ref, old, n - old, stats),
        }
      }
      d.note = n > old ? `${n - old} new rows (${req.init.kind})` : `truncated to ${n} rows`
    } else if (isNonTokenTensor(ref.name) || vocabNames.has(ref.name) || n === old) {
      // Nothing to check: a vocabulary tensor, a vision/audio/position tensor (never indexed by token id), or no size change.
    } else if (ref.shape.length === 2 && ref.shape[0] === old && ref.shape[1] === embed.shape[1]) {
      unaccounted.push(ref.name)
    } else if (ref.shape[0] === old && ref.shape.length <= 2) {
      warnings.push({ code: 'OTHER_VOCAB_TENSOR', message: `${ref.name} also has ${old} rows (the old vocabulary size) and is left unchanged; check whether it is indexed by token id.` })
    }
    drafts.push(d)
  }
  if (unaccounted.length > 0)
    throw new GraftError('UNSUPPORTED_MODEL', `${info.dir} has ${unaccounted.length === 1 ? 'a tensor' : 'tensors'} shaped like the vocabulary [${old}, ${embed.shape[1]}] that Graft cannot place: ${unaccounted.slice(0, 4).join(', ')}${unaccounted.length > 4 ? ', …' : ''}.`, {
      file: info.dir,
      tensor: unaccounted[0],
      hint: `Graft resizes ${[embed.name, head?.name, ...copies.map((c) => c.name)].filter(Boolean).join(' and ')}; leaving ${unaccounted.length === 1 ? 'that tensor' : 'those tensors'} at ${old} rows would write a model that does not load. It may be a second head (e.g. multi-token prediction) or an embedding under a name Graft does not know.`,
    })
  if (info.tied && head && info.tieFlag === null)
    decisions.push({ code: 'TIED_BY_DEFAULT', message: `Tied: ${info.tieReason}. ${head.name} is resized with the embedding's new rows so the file still loads.` })
  if (n !== old) {
    decisions.push({
      code: 'RESIZED',
      message: `${[embed.name, head?.name, ...copies.map((c) => c.name)].filter(Boolean).join(' and ')} go from ${old} to ${n} rows${req.reason ? ` (${req.reason})` : ''}${req.padToMultipleOf ? `, padded to a multiple of ${req.padToMultipleOf}` : ''}; config ${info.vocabConfigPaths.map((p) => p.join('.')).join(', ')} = ${n}.`,
    })
    if (info.tied) decisions.push({ code: 'TIED_KEPT', message: 'The model ties its head to the embedding; it stays tied, so the head grows with the embedding.' })
    else if (head && n > old) decisions.push({ code: 'HEAD_OWN_STATS', message: `The untied head's new rows use the head's own statistics, not the embedding's.` })
  } else decisions.push({ code: 'NO_CHANGE', message: `${embed.name} already has ${n} rows; tensors are copied unchanged.` })
  const edits: { path: string[]; value: unknown }[] = n !== old || info.vocabSize !== n ? info.vocabConfigPaths.map((path) => ({ path, value: n })) : []
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
