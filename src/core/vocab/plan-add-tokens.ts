import { Tokenizer } from 'tokenizers'
import type { Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan } from '../../shared/plan'
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
import { readInputBytes } from '../exec/read-input-file'
import { readdir, readFile } from 'node:fs/promises'
import { appendSentencePiecePieces, readPieces } from '../tokenizer/append-sentencepiece-pieces'
import { resolveTokenRoles, setTokenRoleFiles, type TokenRoles } from '../tokenizer/set-token-roles'
import { applyTokenRoles } from './plan-token-roles'
import { addSlowTokens, type SlowAddTokensResult } from '../tokenizer/add-slow-tokens'
import { finishPlan } from '../plan/finish-plan'
import { copyModelFiles } from '../plan/model-files'
import { hasEdgeWhitespace, isBlankToken, showToken, summarizeAddedTokens, SUMMARY_TOKENS } from './summarize-added-tokens'

/** Skipped tokens listed one warning each; the rest are counted in one more (a re-run of a long list skips thousands). */
const MAX_SKIP_WARNINGS = 20

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
  // A folder with tokenizer files but no weights: only the tokenizer is edited.
  const tokenizerOnly = !(await hasWeights(req.base))
  if (tokenizerOnly && req.adapters?.length) throw new GraftError('BAD_REQUEST', `${req.base} has no weights, so no adapter can be merged into it.`, { file: req.base, hint: 'Choose the model folder as the base.' })
  const info = tokenizerOnly ? null : await readModelInfo(req.base)
  const adapterTok = (req.adapters ?? []).map((a) => a.dir).find((d) => existsSync(join(d, 'tokenizer.json')))
  const tokDir = adapterTok ?? req.base
  // Only a SentencePiece tokenizer.model (InternLM2, Baichuan …): edit what slow tokenizers read.
  const slow = req.mode !== 'vocab' && !existsSync(join(tokDir, 'tokenizer.json')) && existsSync(join(tokDir, 'tokenizer.model'))
  const files = slow ? null : await readTokenizerFiles({ dir: tokDir })
  let dropModel = false
  let edit: { files: { path: string; content: string; encoding?: 'base64' }[]; newSize: number; warnings: string[]; skipped: { content: string; reason: string; id?: number; detail?: string }[] }
  let added: { content: string; id: number; special: boolean }[]
  let verify: VerifyTokenizerReport
  let full: AddTokensResult | ExtendVocabResult
  if (!files) {
    if (req.roles && Object.values(req.roles).some((v) => v !== undefined))
      throw new GraftError('BAD_REQUEST', `${tokDir} has only tokenizer.model (no tokenizer.json); Graft sets special-token roles in tokenizer.json-based tokenizers only.`, { file: tokDir, hint: 'Add the tokens without roles, or set the roles in Python (tokenizer.pad_token = …) and save_pretrained().' })
    const res = await addSlowTokens({ dir: tokDir, tokens: req.tokens })
    full = res
    edit = res
    added = res.added.map((a) => ({ content: a.content, id: a.id, special: a.special }))
    verify = { ok: true, loaded: false, size: null, tokens: [], samples: [], problems: [] }
  } else if (req.mode === 'vocab') {
    const ext = await extendVocab({ files, tokens: req.tokens.map((t) => t.content), force: req.force, samples: SAMPLES })
    full = ext
    edit = ext
    added = ext.newEntries.map((e) => ({ content: e.piece, id: e.id, special: false }))
    verify = ext.verification
    if (files.hasTokenizerModel) {
      // Keep the slow tokenizer consistent: append the same pieces, with the same ids, to tokenizer.model.
      const modelPath = join(tokDir, 'tokenizer.model')
      const spm = new Uint8Array(await readInputBytes(modelPath, { code: 'TOKENIZER' }))
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
  const roles = files ? resolveTokenRoles(files, added, req.roles) : []
  if (files) edit = { ...edit, files: setTokenRoleFiles(files, edit.files, roles, req.mode === 'vocab' ? [] : (full as AddTokensResult).added) }
  if (added.length === 0 && roles.length === 0)
    throw new GraftError('BAD_REQUEST', `None of the tokens is new: ${edit.skipped.slice(0, SUMMARY_TOKENS).map((s) => `${JSON.stringify(s.content)} (${s.detail ?? s.reason})`).join(', ')}${edit.skipped.length > SUMMARY_TOKENS ? `, … and ${edit.skipped.length - SUMMARY_TOKENS} more` : ''}.`, {
      file: req.base,
      hint: req.mode === 'vocab' ? 'Each token is already a vocabulary piece the tokenizer produces, an added token, or cannot be one piece (the reason says which).' : 'Every token is already in the vocabulary or the added tokens.',
    })
  if (!verify.ok) throw new GraftError('TOKENIZER', `The edited tokenizer failed verification: ${verify.problems.join('; ')}`, { file: req.base })
  const reason = added.length === 0 ? `special-token roles set: ${roles.map((r) => `${r.role}=${r.content}`).join(', ')}` : `${added.length} ${req.mode === 'vocab' ? 'vocabulary piece(s)' : 'token(s)'} added: ${summarizeAddedTokens(added)}`
  let plan: Plan
  let embedRows = 0
  if (!info) {
    plan = await planTokenizerOnly({ base: req.base, out: req.out, edits: edit.files, reason })
    plan.title = added.length === 0 ? `Set ${roles.map((r) => `${r.role} = ${r.content}`).join(', ')} in the tokenizer ${req.base}` : `Add ${added.length} ${req.mode === 'vocab' ? 'vocabulary piece(s)' : 'token(s)'} to the tokenizer ${req.base} (tokenizer only)`
  } else {
    // With adapters, the rows to grow from are the merged ones (an adapter may already have grown them).
    const merged = req.adapters?.length ? await planMerge({ base: req.base, adapters: req.adapters, out: req.out }) : null
    const mergedEmbed = merged?.tensors.find((t) => t.name === info.embedName)
    embedRows = mergedEmbed ? mergedEmbed.shape[0] : info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : 0
    const n = targetRows(Math.max(embedRows, edit.newSize), Math.max(embedRows, edit.newSize), req.padToMultipleOf)
    let init: InitStrategy = typeof req.init === 'string' ? ({ kind: req.init } as InitStrategy) : req.init
    if (init.kind === 'subtoken-mean') {
      if (!files) throw new GraftError('BAD_REQUEST', `Sub-token mean initialisation needs tokenizer.json to split each new token; ${tokDir} has only tokenizer.model.`, { file: tokDir, hint: 'Use --init trained-mean or mean.' })
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
    plan = req.adapters?.length
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
  }
  if (!files) {
    const slowRes = full as SlowAddTokensResult
    plan.decisions.push({
      code: 'SLOW_TOKENIZER',
      message: `${tokDir} has only a SentencePiece tokenizer.model (${slowRes.pieces} pieces${slowRes.tokenizerClass ? `, ${slowRes.tokenizerClass}` : ''}), no tokenizer.json: the new tokens get ids ${added[0]?.id ?? slowRes.newSize}…${slowRes.newSize - 1} after the ${slowRes.oldSize} existing ids and go where transformers' slow tokenizers read them (${edit.files.map((f) => f.path).join(', ') || 'no file'}); tokenizer.model is copied unchanged.`,
    })
    plan.warnings.push({
      code: 'TOKENIZER_UNVERIFIED',
      message: `The edited tokenizer could not be verified with the fast tokenizers library (there is no tokenizer.json to load). Check it in Python: AutoTokenizer.from_pretrained(out, trust_remote_code=True) must give len(tokenizer) == ${slowRes.newSize} and encode each new token to its id.`,
    })
  }
  if (!info) {
    plan.decisions.push({ code: 'TOKENIZER_ONLY', message: `${req.base} holds no model weights, so only the tokenizer files are edited: no embedding or head is resized. Grow the model that uses this tokenizer to at least ${edit.newSize} rows (graft resize --size ${edit.newSize}).` })
  }
  const edged = req.mode === 'vocab' ? [] : added.filter((a) => hasEdgeWhitespace(a.content))
  if (edged.length)
    plan.warnings.push({
      code: 'TOKEN_WHITESPACE',
      message: `${edged.length} token(s) start or end with whitespace, which is part of the token ("foo␣" is not "foo"): ${edged.slice(0, 5).map((a) => `"${showToken(a.content)}"`).join(', ')}${edged.length > 5 ? ', …' : ''}. Remove the spaces unless you mean them.`,
    })
  for (const s of edit.skipped.slice(0, MAX_SKIP_WARNINGS)) plan.warnings.push({ code: 'TOKEN_SKIPPED', message: `${JSON.stringify(s.content)} skipped: ${s.reason}${s.id !== undefined ? ` (id ${s.id})` : ''}.${s.detail ? ` ${s.detail}` : ''}` })
  if (edit.skipped.length > MAX_SKIP_WARNINGS) plan.warnings.push({ code: 'TOKEN_SKIPPED', message: `… and ${edit.skipped.length - MAX_SKIP_WARNINGS} more token(s) skipped (already in the tokenizer or listed twice).` })
  for (const w of edit.warnings) plan.warnings.push({ code: 'TOKENIZER', message: w })
  if (req.mode === 'vocab') plan.decisions.push(...describeExtension(full as ExtendVocabResult))
  if (info && added.length > 0 && embedRows >= edit.newSize) plan.decisions.push({ code: 'ROWS_SUFFICE', message: `The embedding already has ${embedRows} rows (padding), enough for the new ids; only the tokenizer changes. The new ids use existing padding rows, which keep their values: check them with graft untrained scan.` })
  if (files) await applyTokenRoles(plan, roles, files)
  if (dropModel) plan.files = plan.files.filter((f) => f.path !== 'tokenizer.model')
  return { plan, added, verify, tokenizer: full }
}

/** Weight files that make a folder a model (not just a tokenizer). */
const WEIGHTS = /\.(safetensors|bin|pt|pth|gguf|ckpt)$|\.safetensors\.index\.json$/

async function hasWeights(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => null)
  // A missing folder is reported by the model reader, with its usual message.
  if (names === null) return true
  return names.some((n) => WEIGHTS.test(n))
}

/** A plan that writes the edited tokenizer files and copies the folder's other files: no tensors. */
async function planTokenizerOnly(opts: { base: string; out: string; edits: { path: string; content: string; encoding?: 'base64' }[]; reason: string }): Promise<Plan> {
  const files: FileEdit[] = [
    ...opts.edits.map((f) => ({ kind: 'write' as const, path: f.path, content: f.content, encoding: f.encoding, reason: 'edited tokenizer file' })),
    ...(await copyModelFiles({ dir: opts.base, skip: opts.edits.map((f) => f.path) })),
  ]
  const plan = finishPlan({ operation: 'resize', title: '', inputs: [{ role: 'tokenizer', path: opts.base }], outDir: opts.out, dtype: 'keep', drafts: [], stats: [], files, decisions: [{ code: 'TOKENIZER_EDITED', message: opts.reason }], warnings: [] })
  // No tensors: no weights file is written.
  plan.output.shards = []
  return plan
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
