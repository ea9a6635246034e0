import { existsSync } from 'node:fs'
import { readInputTextIfExists } from '../exec/read-input-file'
import { join } from 'node:path'
import { readModelInfo, type ModelInfo } from '../model/read-model-info'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'
import type { TokenizerFiles } from '../tokenizer/parse-tokenizer-files'
import { tokenizerSummary } from '../tokenizer/tokenizer-summary'
import { toErrorInfo } from '../errors'
import type { VocabRowScan } from './scan-vocab-rows'
import type { VocabCheck, VocabTruthTable } from '../../shared/vocab'

export type { VocabCheck, VocabTruthTable }

/** What the truth table needs of a row scan: the untrained rows, and whether a head was scanned. */
export type UntrainedRows = Pick<VocabRowScan, 'untrainedEmbed' | 'untrainedHead'> & { head: unknown }

/** The chat templates of a tokenizer folder (tokenizer_config.json's, string or named list, and chat_template.jinja). */
async function chatTemplates(tok: TokenizerFiles, dir: string): Promise<string[]> {
  const out: string[] = []
  const ct = tok.tokenizerConfig?.data.chat_template
  if (typeof ct === 'string') out.push(ct)
  else if (Array.isArray(ct)) for (const e of ct) if (e && typeof e === 'object' && typeof (e as { template?: unknown }).template === 'string') out.push((e as { template: string }).template)
  const jinja = join(dir, 'chat_template.jinja')
  const text = await readInputTextIfExists(jinja, { code: 'TOKENIZER' })
  if (text !== undefined) out.push(text)
  return out
}

/**
 * The contents of the tokenizer ids [from, to) when none of them can reach the model in ordinary
 * use: each is a special added token (plain text never produces one unless it spells it), has no
 * role (bos/eos/pad/unk… are inserted by the tokenizer or the trainer) and is not written by the
 * chat template. Otherwise null: the ids beyond the embedding are a real error.
 */
function neverProduced(tok: TokenizerFiles, from: number, to: number, templates: string[]): string[] | null {
  const byId = new Map(tok.addedTokens.map((a) => [a.id, a]))
  const roles = new Set(Object.values(tok.specialTokens.roles).filter((v): v is string => typeof v === 'string'))
  const out: string[] = []
  for (let id = from; id < to; id++) {
    const a = byId.get(id)
    if (!a || !a.special || roles.has(a.content) || templates.some((t) => t.includes(a.content))) return null
    out.push(a.content)
  }
  return out
}

/**
 * The vocabulary truth table of a model folder: tokenizer length, added tokens, config vocab_size
 * (nested too), embedding and head rows, padding rows and (with a scan) untrained rows — and every
 * mismatch explained with the fix Graft can apply.
 */
export async function vocabTruthTable(opts: { dir: string; info?: ModelInfo; scan?: UntrainedRows }): Promise<VocabTruthTable> {
  const info = opts.info ?? (await readModelInfo(opts.dir))
  const embedRows = info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : null
  const headRows = info.headName ? info.checkpoint.tensors.get(info.headName)!.shape[0] : info.tied ? embedRows : null
  const checks: VocabCheck[] = []
  let tok: Awaited<ReturnType<typeof readTokenizerFiles>> | null = null
  if (existsSync(join(info.dir, 'tokenizer.json'))) {
    try {
      tok = await readTokenizerFiles({ dir: info.dir })
    } catch (e) {
      const err = toErrorInfo(e)
      checks.push({ code: 'TOKENIZER_UNREADABLE', severity: 'error', message: `The tokenizer cannot be read: ${err.message}${err.hint ? ` ${err.hint}` : ''}` })
    }
  } else checks.push({ code: 'NO_TOKENIZER', severity: 'info', message: 'The folder has no tokenizer.json, so the tokenizer side cannot be checked.' })
  const untrainedIds = opts.scan ? [...new Set([...opts.scan.untrainedEmbed, ...opts.scan.untrainedHead])].sort((a, b) => a - b) : []
  const summary = tok ? tokenizerSummary({ files: tok, ids: untrainedIds }) : null
  const tokenizerSize = summary?.size ?? null
  const field = info.vocabConfigPath.join('.')
  if (tokenizerSize !== null && embedRows !== null && tokenizerSize > embedRows) {
    const pad = 64
    const n = Math.ceil(tokenizerSize / pad) * pad
    const unused = tok ? neverProduced(tok, embedRows, tokenizerSize, await chatTemplates(tok, info.dir)) : null
    checks.push({
      code: 'TOKENIZER_EXCEEDS_EMBEDDING',
      severity: unused ? 'warning' : 'error',
      message: unused
        ? `The tokenizer has ${tokenizerSize} tokens but ${info.embedName} has ${embedRows} rows: ${unused.map((c) => JSON.stringify(c)).join(', ')} (id${unused.length > 1 ? 's' : ''} ${embedRows}${unused.length > 1 ? `…${tokenizerSize - 1}` : ''}) ha${unused.length > 1 ? 've' : 's'} no embedding. This is harmless only while ${unused.length > 1 ? 'those ids are' : 'that id is'} never fed to the model: ${unused.length > 1 ? 'they are special tokens' : 'it is a special token'} that plain text does not produce, with no role (bos/eos/pad/unk) and not written by the chat template (e.g. Gemma-3 1B's <image_soft_token>, transformers#37011). Text or prompts that contain ${unused.length > 1 ? 'them' : 'it'} fail with index out of range; resize to be safe.`
        : `The tokenizer has ${tokenizerSize} tokens but ${info.embedName} has only ${embedRows} rows: ids ${embedRows}…${tokenizerSize - 1} have no embedding (index out of range, or a size mismatch when an adapter is loaded).`,
      fix: { kind: 'resize', newSize: tokenizerSize, command: `graft resize --in ${info.dir} --out OUT --size ${tokenizerSize} --init trained-mean   (or --pad-to-multiple-of ${pad} for ${n})` },
    })
  }
  if (embedRows !== null && headRows !== null && headRows !== embedRows)
    checks.push({ code: 'HEAD_ROWS_MISMATCH', severity: 'error', message: `${info.embedName} has ${embedRows} rows but ${info.headName} has ${headRows}.` })
  if (embedRows !== null && info.vocabSize !== null && info.vocabSize !== embedRows)
    checks.push({
      code: 'CONFIG_VOCAB_MISMATCH',
      severity: 'error',
      message: `config ${field} is ${info.vocabSize} but ${info.embedName} has ${embedRows} rows; transformers will refuse to load it (size mismatch).`,
      fix: { kind: 'resize', newSize: embedRows, command: `graft resize --in ${info.dir} --out OUT --size ${embedRows}   (tensors unchanged; config ${field} = ${embedRows})` },
    })
  const paddingRows = tokenizerSize !== null && embedRows !== null && embedRows > tokenizerSize ? embedRows - tokenizerSize : 0
  if (paddingRows > 0)
    checks.push({ code: 'PADDING_ROWS', severity: 'info', message: `${paddingRows} embedding rows (${tokenizerSize}…${embedRows! - 1}) have no token: padding, which is normal (e.g. for a multiple of 64 or 128). Do not shrink to the tokenizer length.` })
  let untrained: VocabTruthTable['untrained'] = null
  if (opts.scan) {
    const embedSet = new Set(opts.scan.untrainedEmbed)
    const headSet = new Set(opts.scan.untrainedHead)
    untrained = untrainedIds.map((id, i) => ({ id, token: summary?.tokens[i]?.token ?? null, text: summary?.tokens[i]?.text ?? null, inEmbed: embedSet.has(id), inHead: headSet.has(id) }))
    const inTok = untrained.filter((u) => tokenizerSize === null || u.id < tokenizerSize)
    if (inTok.length > 0)
      checks.push({
        code: 'UNTRAINED_ROWS',
        severity: 'warning',
        message: `${inTok.length} token(s) have untrained (all-zero${opts.scan.head ? ' or repeated head' : ''}) rows, e.g. ${inTok.slice(0, 5).map((u) => `${u.id} ${JSON.stringify(u.token)}`).join(', ')}. Training on text that contains them gives NaN losses.`,
        fix: { kind: 'untrained-fix', command: `graft untrained fix --in ${info.dir} --out OUT` },
      })
  }
  if (!checks.some((c) => c.severity === 'error' || c.severity === 'warning'))
    checks.unshift({ code: 'CONSISTENT', severity: 'ok', message: `Tokenizer, config and tensors agree${tokenizerSize !== null ? ` (${tokenizerSize} tokens, ${embedRows} rows)` : ''}.` })
  return {
    dir: info.dir,
    tokenizerSize,
    modelVocabSize: summary?.modelVocabSize ?? null,
    tokenizerModel: tok ? { type: tok.model.type, kind: tok.model.kind } : null,
    addedTokens: summary?.added ?? [],
    ...(tok ? { roles: { pad: tok.specialTokens.roles.pad_token ?? null, bos: tok.specialTokens.roles.bos_token ?? null, eos: tok.specialTokens.roles.eos_token ?? null, unk: tok.specialTokens.roles.unk_token ?? null } } : {}),
    configVocabSize: info.vocabSize,
    configVocabField: field,
    embedName: info.embedName,
    embedRows,
    headName: info.headName,
    headRows,
    tied: info.tied,
    paddingRows,
    untrained,
    checks,
  }
}
