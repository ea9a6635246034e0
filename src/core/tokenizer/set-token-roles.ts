import { GraftError } from '../errors'
import { detectJsonStyle, formatJsonText, isJsonObject, parseJsonText, withKey, type JsonObject, type JsonValue } from '../json/json-text'
import type { FileEdit } from './add-tokens'
import type { JsonFile, TokenizerFiles } from './parse-tokenizer-files'

/** The special-token roles "add tokens" can assign. */
export type TokenRole = 'pad' | 'bos' | 'eos' | 'unk'
export const TOKEN_ROLES: readonly TokenRole[] = ['pad', 'bos', 'eos', 'unk']

/** Role → token content (a token added in the same operation, or one already in the tokenizer). */
export type TokenRoles = Partial<Record<TokenRole, string>>

/** A role with the token it gets and the one it had. */
export interface ResolvedRole {
  role: TokenRole
  content: string
  id: number
  /** The token is added by this operation. */
  isNew: boolean
  /** The token's `special` flag (vocabulary pieces count as not special). */
  special: boolean
  /** The role's token before the edit (tokenizer_config.json, else special_tokens_map.json); null when unset. */
  oldContent: string | null
  /** Its id, when it resolves in the tokenizer. */
  oldId: number | null
}

/**
 * Resolves each requested role to a token id: first among the tokens this operation adds, then
 * among the tokenizer's added tokens and its model vocabulary. A token found nowhere is a
 * `BAD_REQUEST` naming the token and the role.
 */
export function resolveTokenRoles(files: TokenizerFiles, added: { content: string; id: number; special: boolean }[], roles: TokenRoles | undefined): ResolvedRole[] {
  const out: ResolvedRole[] = []
  for (const role of TOKEN_ROLES) {
    const content = roles?.[role]
    if (content === undefined) continue
    if (typeof content !== 'string' || content === '') throw new GraftError('BAD_REQUEST', `The ${role} role needs a token's text (got ${JSON.stringify(content)}).`)
    const neu = added.find((a) => a.content === content)
    const found = neu ? { id: neu.id, special: neu.special } : lookupToken(files, content)
    if (!found) {
      throw new GraftError('BAD_REQUEST', `The ${role} token ${JSON.stringify(content)} is neither one of the tokens being added nor in the tokenizer.`, {
        file: files.dir ?? undefined,
        hint: `Add ${JSON.stringify(content)} in the same operation (e.g. --special ${JSON.stringify(content)}), or name a token the tokenizer already has.`,
      })
    }
    const old = files.specialTokens.roles[`${role}_token`] ?? null
    out.push({ role, content, id: found.id, isNew: !!neu, special: found.special, oldContent: old, oldId: old === null ? null : (lookupToken(files, old)?.id ?? null) })
  }
  return out
}

/** The id of a token of the unedited tokenizer: an added token, else a model vocabulary entry. */
export function lookupToken(files: TokenizerFiles, content: string): { id: number; special: boolean } | null {
  const a = files.addedTokens.find((t) => t.content === content)
  if (a) return { id: a.id, special: a.special }
  const model = files.tokenizerJson.data.model
  const vocab = isJsonObject(model) ? model.vocab : undefined
  if (Array.isArray(vocab)) {
    const i = vocab.findIndex((e) => Array.isArray(e) && e[0] === content)
    return i < 0 ? null : { id: i, special: false }
  }
  if (isJsonObject(vocab) && Object.prototype.hasOwnProperty.call(vocab, content) && typeof vocab[content] === 'number') return { id: vocab[content] as number, special: false }
  return null
}

/**
 * Writes the roles into the tokenizer files, on top of `edits` (the add-tokens edit, whose
 * contents win over the originals): `<role>_token` in tokenizer_config.json as a string, the same
 * keys in special_tokens_map.json when present (string or AddedToken-like object, following the
 * file's existing role values), tokenizer.json's `padding.pad_id`/`pad_token` when padding is
 * configured there, and its template post-processor when it inserts the old bos/eos (see
 * swapTemplateToken). Formatting is kept. Returns the full list of edited files.
 */
export function setTokenRoleFiles(files: TokenizerFiles, edits: FileEdit[], roles: ResolvedRole[], addedFlags: { content: string; lstrip?: boolean; normalized?: boolean; rstrip?: boolean; single_word?: boolean }[] = []): FileEdit[] {
  if (roles.length === 0) return edits
  const out = [...edits]
  const current = (file: JsonFile): { text: string; data: JsonObject } => {
    const e = out.find((f) => f.path === file.name)
    return e ? { text: e.content, data: parseJsonText(e.content) as JsonObject } : { text: file.text, data: file.data }
  }
  const put = (name: string, text: string, data: JsonObject): void => {
    const content = formatJsonText(data, detectJsonStyle(text))
    const i = out.findIndex((f) => f.path === name)
    if (i >= 0) out[i] = { path: name, content }
    else out.push({ path: name, content })
  }
  if (files.tokenizerConfig) {
    const { text, data } = current(files.tokenizerConfig)
    let cfg = data
    for (const r of roles) cfg = withKey(cfg, `${r.role}_token`, r.content)
    put(files.tokenizerConfig.name, text, cfg)
  }
  if (files.specialTokensMap) {
    const { text, data } = current(files.specialTokensMap)
    let map = data
    for (const r of roles) map = withKey(map, `${r.role}_token`, mapValue(map, r, addedFlags.find((a) => a.content === r.content) ?? files.addedTokens.find((a) => a.content === r.content)))
    put(files.specialTokensMap.name, text, map)
  }
  const pad = roles.find((r) => r.role === 'pad')
  const tj = current(files.tokenizerJson)
  if (pad && isJsonObject(tj.data.padding)) {
    const padding = withKey(withKey(tj.data.padding, 'pad_id', pad.id), 'pad_token', pad.content)
    put(files.tokenizerJson.name, tj.text, withKey(tj.data, 'padding', padding))
  }
  // A post-processor that inserts the old bos/eos inserts the new one instead (what transformers'
  // update_post_processor does when a fast tokenizer's bos_token/eos_token is set).
  const swaps = roles.filter((r) => (r.role === 'bos' || r.role === 'eos') && r.oldContent !== null && r.oldContent !== r.content)
  if (swaps.length) {
    const now = current(files.tokenizerJson)
    let post = now.data.post_processor as JsonValue | undefined
    for (const r of swaps) post = swapTemplateToken(post, r.oldContent!, r.content, r.id)
    if (JSON.stringify(post) !== JSON.stringify(now.data.post_processor ?? null) && post !== undefined) put(files.tokenizerJson.name, now.text, withKey(now.data, 'post_processor', post))
  }
  return out
}

/**
 * TemplateProcessing (alone or inside a Sequence of processors) with `from` replaced by `to`:
 * the SpecialToken pieces of `single` and `pair`, and the `special_tokens` entry (renamed, with
 * the new id). Other processors come back unchanged.
 */
export function swapTemplateToken(post: JsonValue | undefined, from: string, to: string, toId: number): JsonValue | undefined {
  if (!isJsonObject(post)) return post
  if (post.type === 'Sequence' && Array.isArray(post.processors)) return withKey(post, 'processors', post.processors.map((p) => swapTemplateToken(p, from, to, toId) ?? null))
  if (post.type !== 'TemplateProcessing') return post
  const piece = (x: JsonValue): JsonValue => {
    if (!isJsonObject(x) || !isJsonObject(x.SpecialToken) || x.SpecialToken.id !== from) return x
    return withKey(x, 'SpecialToken', withKey(x.SpecialToken, 'id', to))
  }
  let out = post
  for (const key of ['single', 'pair'] as const) {
    const list = out[key]
    if (Array.isArray(list)) out = withKey(out, key, list.map(piece))
  }
  const specials = out.special_tokens
  if (isJsonObject(specials) && Object.prototype.hasOwnProperty.call(specials, from)) {
    const renamed: JsonObject = {}
    for (const [k, v] of Object.entries(specials)) {
      if (k === from) renamed[to] = { id: to, ids: [toId], tokens: [to] }
      else if (k !== to) renamed[k] = v
    }
    out = withKey(out, 'special_tokens', renamed)
  }
  return out
}

/** special_tokens_map.json value: an object like the file's other role values when they are objects, else a string. */
function mapValue(map: JsonObject, r: ResolvedRole, flags: { lstrip?: boolean; normalized?: boolean; rstrip?: boolean; single_word?: boolean } | undefined): JsonValue {
  const own = map[`${r.role}_token`]
  const sample = isJsonObject(own) ? own : TOKEN_ROLES.map((k) => map[`${k}_token`]).find(isJsonObject)
  if (!sample) return r.content
  // transformers writes this file without __type and without special (vocab-spec §3.5).
  const o: JsonObject = { content: r.content, lstrip: flags?.lstrip ?? false, normalized: flags?.normalized ?? false, rstrip: flags?.rstrip ?? false, single_word: flags?.single_word ?? false }
  if ('special' in sample) o.special = true
  if (sample.__type === 'AddedToken') return { __type: 'AddedToken', ...o }
  return o
}
