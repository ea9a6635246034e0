import { fromByteLevel } from './byte-level'
import { isJsonObject, orderedKeys } from '../json/json-text'
import { SPECIAL_TOKEN_ROLES, type ConfigStyle, type ModelKind, type SpecialTokenRole, type SpecialTokens, type TokenizerFiles } from './parse-tokenizer-files'

export interface TokenString {
  id: number
  /** The string as stored (byte-level alphabet, "▁" convention, or an added token's content). */
  token: string
  /** The same as readable text ("Ġhello" → " hello", "▁hello" → " hello"). */
  text: string
  source: 'vocab' | 'added'
  special: boolean
}

export interface TokenizerSummaryResult {
  /** `len(tokenizer)`: the embedding needs at least this many rows. */
  size: number
  /** Entries in model.vocab. */
  modelVocabSize: number
  modelType: string
  kind: ModelKind
  configStyle: ConfigStyle
  added: { id: number; content: string; special: boolean }[]
  specialTokens: SpecialTokens
  /** Ids of the named special tokens (null when unset or unknown). */
  specialIds: Partial<Record<SpecialTokenRole, number | null>>
  /** The requested ids' token strings, in request order; ids beyond the tokenizer give null. */
  tokens: (TokenString | null)[]
}

/**
 * What the vocabulary truth table needs from the tokenizer side: sizes, added tokens, special
 * tokens and, for the ids asked for (`'all'` for every id), their token strings.
 */
export function tokenizerSummary(opts: { files: TokenizerFiles; ids?: number[] | 'all' }): TokenizerSummaryResult {
  const { files } = opts
  const byId: string[] = new Array(files.size)
  const model = files.tokenizerJson.data.model
  const vocab = isJsonObject(model) ? model.vocab : undefined
  if (Array.isArray(vocab)) vocab.forEach((e, i) => (byId[i] = Array.isArray(e) && typeof e[0] === 'string' ? e[0] : ''))
  else if (isJsonObject(vocab)) for (const k of orderedKeys(vocab)) byId[vocab[k] as number] = k
  const addedById = new Map(files.addedTokens.map((t) => [t.id, t]))
  const idOf = new Map<string, number>()
  for (let i = 0; i < byId.length; i++) if (byId[i] !== undefined && !idOf.has(byId[i])) idOf.set(byId[i], i)
  for (const t of files.addedTokens) idOf.set(t.content, t.id)

  const readable = (token: string): string => {
    if (files.model.kind === 'byte-level-bpe') return fromByteLevel(token) ?? token
    const ms = files.model.metaspace
    if (files.model.kind === 'sentencepiece-bpe' && ms && !/^<0x[0-9A-F]{2}>$/.test(token)) return token.split(ms.replacement).join(' ')
    return token
  }
  const lookup = (id: number): TokenString | null => {
    const a = addedById.get(id)
    if (a) return { id, token: a.content, text: a.content, source: 'added', special: a.special }
    const token = byId[id]
    if (token === undefined) return null
    return { id, token, text: readable(token), source: 'vocab', special: false }
  }
  const ids = opts.ids === 'all' ? Array.from({ length: files.size }, (_, i) => i) : (opts.ids ?? [])

  const specialIds: TokenizerSummaryResult['specialIds'] = {}
  for (const role of SPECIAL_TOKEN_ROLES) {
    const t = files.specialTokens.roles[role]
    if (t !== undefined) specialIds[role] = t === null ? null : (idOf.get(t) ?? null)
  }
  return {
    size: files.size,
    modelVocabSize: files.model.vocabSize,
    modelType: files.model.type,
    kind: files.model.kind,
    configStyle: files.configStyle,
    added: files.addedTokens.map((t) => ({ id: t.id, content: t.content, special: t.special })),
    specialTokens: files.specialTokens,
    specialIds,
    tokens: ids.map(lookup),
  }
}
