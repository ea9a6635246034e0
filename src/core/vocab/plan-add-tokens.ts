import { Tokenizer } from 'tokenizers'
import type { Dtype } from '../../shared/dtypes'
import type { Plan } from '../../shared/plan'
import { GraftError } from '../errors'
import { readModelInfo } from '../model/read-model-info'
import { addTokens, type AddTokensResult, type NewAddedToken } from '../tokenizer/add-tokens'
import { extendVocab, type ExtendVocabResult } from '../tokenizer/extend-vocab'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'
import { verifyTokenizer, type VerifyTokenizerReport } from '../tokenizer/verify-tokenizer'
import { planResize, targetRows, type InitStrategy } from './plan-resize'
import { describeExtension } from './describe-extension'
import { planMerge } from '../lora/plan-merge'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { appendSentencePiecePieces, readPieces } from '../tokenizer/append-sentencepiece-pieces'
import { resolveTokenRoles, setTokenRoleFiles, type TokenRoles } from '../tokenizer/set-token-roles'
import { applyTokenRoles } from './plan-token-roles'
import { hasEdgeWhitespace, isBlankToken, showToken, summarizeAddedTokens } from './summarize-added-tokens'

/** Sample text every edited tokenizer must still encode as before (or only via the new tokens). */
const SAMPLES = ['Hello world! This is a test.', 'def f(x):\n    return x + 1', '你好，世界 😀', '  leading spaces and\ttabs']

export interface AddTokensRequest {
  base: string
  out: string
  tokens: NewAddedToken[]
  /** New-row init; 'subtoken-mean' is computed here from the old tokenizer. */
  init: InitStrategy['kind'] | InitStrategy
  padToMultipleOf?: number
  dtype?: Dtype | 'keep'
  maxShardBytes?: number
  /** Merge these adapters in the same pass (the tokens go into the adapter's tokenizer when it has one). */
  adapters?: { dir: string; weight?: number }[]
  /**
   * 'added' (default): added tokens, matched before the model runs (transformers' add_tokens).
   * 'vocab': true vocabulary extension — pieces and merges in the BPE model, so ordinary
   * tokenization produces them (for a new language); tokens it still would not produce are refused
   * unless `force`.
   */
  mode?: 'added' | 'vocab'
  force?: boolean
  /**
   * Special-token roles, each naming a token by its content: one added here or one the tokenizer
   * already has. With roles, `tokens` may be empty (only reassigning roles).
   */
  roles?: TokenRoles
}

export interface AddTokensPlan {
  plan: Plan
  /** The new ids and contents (added tokens, or every new vocabulary piece). */
  added: { content: string; id: number; special: boolean }[]
  verify: VerifyTokenizerReport
  /** The tokenizer edit in full (add-tokens or extend-vocab result). */
  tokenizer: AddTokensResult | ExtendVocabResult
}

/**
 * "Add these tokens, resize with this init" as one plan and one pass: the tokenizer files are
 * edited (as transformers' add_tokens would write them) and verified with the real tokenizers
 * library, and the embedding and head grow to cover the new ids with the chosen initialisation.
 */
export async function planAddTokens(req: AddTokensRequest): Promise<AddTokensPlan> {
  refuseBlankTokens(req.tokens)
  const info = await readModelInfo(req.base)
  const adapterTok = (req.adapters ?? []).map((a) => a.dir).find((d) => existsSync(join(d, 'tokenizer.json')))
  const tokDir = adapterTok ?? req.base
  const files = await readTokenizerFiles({ dir: tokDir })
  let dropModel = false
  let edit: { files: { path: string; content: string; encoding?: 'base64' }[]; newSize: number; warnings: string[]; skipped: { content: string; reason: string; id?: number; detail?: string }[] }
  let added: { content: string; id: number; special: boolean }[]
  let verify: VerifyTokenizerReport
  let full: AddTokensResult | ExtendVocabResult
  if (req.mode === 'vocab') {
    const ext = await extendVocab({ files, tokens: req.tokens.map((t) => t.content), force: req.force, samples: SAMPLES })
    full = ext
    edit = ext
    added = ext.newEntries.map((e) => ({ content: e.piece, id: e.id, special: false }))
    verify = ext.verification
    if (files.hasTokenizerModel) {
      // Keep the slow tokenizer consistent: append the same pieces, with the same ids, to tokenizer.model.
      const modelPath = join(tokDir, 'tokenizer.model')
      const spm = new Uint8Array(await readFile(modelPath))
      const pieces = readPieces(spm, modelPath)
      const first = ext.newEntries[0]?.id
      ext.warnings = ext.warnings.filter((w) => !w.startsWith('tokenizer.model was NOT updated'))
      if (first !== undefined && first === pieces.length && ext.newEntries.every((e, i) => e.id === first + i)) {
        const res = appendSentencePiecePieces({ model: spm, pieces: ext.newEntries.map((e) => e.piece), file: modelPath })
        edit = { ...ext, files: [...ext.files, { path: 'tokenizer.model', content: Buffer.from(res.model).toString('base64'), encoding: 'base64' as const }] }
        ext.warnings.push(`tokenizer.model gets the same ${ext.newEntries.length} piece(s) at ids ${first}…${res.newSize - 1}, scored below every existing piece (so a slow SentencePiece BPE merges them last, like the appended merges in tokenizer.json).`)
      } else {
        dropModel = true
        ext.warnings.push(`tokenizer.model has ${pieces.length} pieces but the new ids start at ${first}; it cannot be kept consistent, so it is left out of the output (load the tokenizer with tokenizer.json only).`)
      }
    }
  } else {
    const res = addTokens({ files, tokens: req.tokens })
    full = res
    edit = res
    added = res.added.map((a) => ({ content: a.content, id: a.id, special: a.special }))
    const newJson = res.files.find((f) => f.path === 'tokenizer.json')?.content ?? files.tokenizerJson.text
    verify = await verifyTokenizer({ after: newJson, before: files.tokenizerJson.text, expect: res.added.map((a) => ({ content: a.content, id: a.id })), samples: SAMPLES, expectedSize: res.newSize })
  }
  const roles = resolveTokenRoles(files, added, req.roles)
  edit = { ...edit, files: setTokenRoleFiles(files, edit.files, roles, req.mode === 'vocab' ? [] : (full as AddTokensResult).added) }
  if (added.length === 0 && roles.length === 0)
    throw new GraftError('BAD_REQUEST', `None of the tokens is new: ${edit.skipped.map((s) => `${JSON.stringify(s.content)} (${s.detail ?? s.reason})`).join(', ')}.`, {
      file: req.base,
      hint: req.mode === 'vocab' ? 'Each token is already a vocabulary piece the tokenizer produces, an added token, or cannot be one piece (the reason says which).' : 'Every token is already in the vocabulary or the added tokens.',
    })
  if (!verify.ok) throw new GraftError('TOKENIZER', `The edited tokenizer failed verification: ${verify.problems.join('; ')}`, { file: req.base })
  // With adapters, the rows to grow from are the merged ones (an adapter may already have grown them).
  const merged = req.adapters?.length ? await planMerge({ base: req.base, adapters: req.adapters, out: req.out }) : null
  const mergedEmbed = merged?.tensors.find((t) => t.name === info.embedName)
  const embedRows = mergedEmbed ? mergedEmbed.shape[0] : info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : 0
  const n = targetRows(Math.max(embedRows, edit.newSize), Math.max(embedRows, edit.newSize), req.padToMultipleOf)
  let init: InitStrategy = typeof req.init === 'string' ? ({ kind: req.init } as InitStrategy) : req.init
  if (init.kind === 'subtoken-mean') {
    // Pieces of each new token's text under the OLD tokenizer (Unsloth's intended semantics).
    const old = Tokenizer.fromString(files.tokenizerJson.text)
    const pieces: number[][] = new Array(n - embedRows).fill(null).map(() => [])
    for (const a of added) {
      if (a.id < embedRows) continue
      const text = req.mode === 'vocab' ? a.content.replace(/^[\u0120\u2581]/, ' ') : a.content
      const enc = await old.encode(text, null, { addSpecialTokens: false })
      pieces[a.id - embedRows] = enc.getIds()
    }
    init = { kind: 'subtoken-mean', pieces }
  } else if (init.kind === 'mean-noise' && init.seed === undefined) init = { ...init, seed: 0 }
  const reason = added.length === 0 ? `special-token roles set: ${roles.map((r) => `${r.role}=${r.content}`).join(', ')}` : `${added.length} ${req.mode === 'vocab' ? 'vocabulary piece(s)' : 'token(s)'} added: ${summarizeAddedTokens(added)}`
  const plan = req.adapters?.length
    ? await planMerge({ base: req.base, adapters: req.adapters, out: req.out, dtype: req.dtype, maxShardBytes: req.maxShardBytes, resize: { newSize: n, init, reason }, tokenizerEdits: edit.files })
    : await planResize({
    base: req.base,
    out: req.out,
    newSize: n,
    init,
    dtype: req.dtype,
    maxShardBytes: req.maxShardBytes,
    tokenizerEdits: edit.files,
    reason,
  })
  plan.title = added.length === 0 ? `Set ${roles.map((r) => `${r.role} = ${r.content}`).join(', ')} in ${info.dir}` : `Add ${added.length} ${req.mode === 'vocab' ? 'vocabulary piece(s)' : 'token(s)'} to ${info.dir}${req.adapters?.length ? `, merge ${req.adapters.length} adapter(s)` : ''} and resize to ${n}`
  const edged = req.mode === 'vocab' ? [] : added.filter((a) => hasEdgeWhitespace(a.content))
  if (edged.length)
    plan.warnings.push({
      code: 'TOKEN_WHITESPACE',
      message: `${edged.length} token(s) start or end with whitespace, which is part of the token ("foo␣" is not "foo"): ${edged.slice(0, 5).map((a) => `"${showToken(a.content)}"`).join(', ')}${edged.length > 5 ? ', …' : ''}. Remove the spaces unless you mean them.`,
    })
  for (const s of edit.skipped) plan.warnings.push({ code: 'TOKEN_SKIPPED', message: `${JSON.stringify(s.content)} skipped: ${s.reason}${s.id !== undefined ? ` (id ${s.id})` : ''}.${s.detail ? ` ${s.detail}` : ''}` })
  for (const w of edit.warnings) plan.warnings.push({ code: 'TOKENIZER', message: w })
  if (req.mode === 'vocab') plan.decisions.push(...describeExtension(full as ExtendVocabResult))
  if (added.length > 0 && embedRows >= edit.newSize) plan.decisions.push({ code: 'ROWS_SUFFICE', message: `The embedding already has ${embedRows} rows (padding), enough for the new ids; only the tokenizer changes. The new ids use existing padding rows, which keep their values: check them with graft untrained scan.` })
  await applyTokenRoles(plan, roles, files)
  if (dropModel) plan.files = plan.files.filter((f) => f.path !== 'tokenizer.model')
  return { plan, added, verify, tokenizer: full }
}

/**
 * A token of only spaces, tabs or invisible characters is almost always a stray line; once added it
 * cannot be seen in any list or plan. Refused, naming its place in the list.
 */
function refuseBlankTokens(tokens: NewAddedToken[]): void {
  const blank = tokens.map((t, i) => ({ i, t })).filter(({ t }) => typeof t?.content === 'string' && isBlankToken(t.content))
  if (blank.length === 0) return
  const where = blank.slice(0, 5).map(({ i, t }) => `token ${i + 1} of ${tokens.length} ("${showToken(t.content)}")`).join(', ')
  throw new GraftError('BAD_REQUEST', `${blank.length === 1 ? 'A token is' : `${blank.length} tokens are`} only whitespace: ${where}${blank.length > 5 ? `, and ${blank.length - 5} more` : ''}.`, {
    hint: 'Remove the blank line(s) from the token list. A token made only of spaces or tabs is invisible in every list and almost never intended.',
  })
}
