import { readInputText } from '../exec/read-input-file'
import type { Plan, PlanNote } from '../../shared/plan'
import { editJsonText } from '../json/edit-json-text'
import { isJsonObject, parseJsonText, type JsonValue } from '../json/json-text'
import type { TokenizerFiles } from '../tokenizer/parse-tokenizer-files'
import { swapTemplateToken, type ResolvedRole } from '../tokenizer/set-token-roles'

const CONFIG = 'config.json'
const GENERATION_CONFIG = 'generation_config.json'

/**
 * Carries resolved special-token roles into a finished plan's model files: `<role>_token_id` in
 * config.json (and text_config when the file has one) and in generation_config.json when the
 * output has one (an eos list stays a list, with the new id first). Adds one decision per role
 * (old → new) and the warnings a role change deserves. The tokenizer files are edited before
 * planning (`setTokenRoleFiles`); `files` is the tokenizer as it was before the edit.
 */
export async function applyTokenRoles(plan: Plan, roles: ResolvedRole[], files: TokenizerFiles): Promise<void> {
  if (roles.length === 0) return
  const withId = roles.filter((r) => r.role !== 'unk')
  const tokenizerFiles = [files.tokenizerConfig?.name, files.specialTokensMap?.name].filter((f): f is string => f !== undefined)
  const touched = new Map<string, string[]>(roles.map((r) => [r.role, [...tokenizerFiles]]))
  const eosListNote: string[] = []

  // config.json is rewritten when the vocabulary grows and copied otherwise: edit it either way.
  const ci = plan.files.findIndex((f) => f.path === CONFIG)
  const copied = ci >= 0 ? plan.files[ci] : undefined
  if (copied?.kind === 'copy') plan.files[ci] = { kind: 'write', path: CONFIG, content: await readInputText(copied.from), reason: 'copied from the base' }
  const cfg = ci >= 0 ? plan.files[ci] : undefined
  if (cfg && cfg.kind === 'write' && withId.length) {
    const data = parseJsonText(cfg.content)
    const text = isJsonObject(data) && isJsonObject(data.text_config) ? data.text_config : null
    const edits: { path: string[]; value: unknown }[] = []
    for (const r of withId) {
      const key = `${r.role}_token_id`
      edits.push({ path: [key], value: r.id })
      touched.get(r.role)!.push(`config.json ${key}`)
      if (text) {
        edits.push({ path: ['text_config', key], value: r.id })
        touched.get(r.role)!.push(`config.json text_config.${key}`)
      }
    }
    cfg.content = editJsonText(cfg.content, edits, CONFIG)
    cfg.reason += `; ${withId.map((r) => `${r.role}_token_id`).join(', ')} set`
  }

  const gi = plan.files.findIndex((f) => f.path === GENERATION_CONFIG)
  if (gi >= 0 && withId.length) {
    const g = plan.files[gi]
    const before = g.kind === 'write' ? g.content : await readInputText(g.from)
    const data = parseJsonText(before)
    const edits: { path: string[]; value: unknown }[] = []
    for (const r of withId) {
      const key = `${r.role}_token_id`
      const old: JsonValue | undefined = isJsonObject(data) ? data[key] : undefined
      if (r.role === 'eos' && Array.isArray(old)) {
        const list = [r.id, ...old.filter((x) => x !== r.id)]
        edits.push({ path: [key], value: list })
        eosListNote.push(`generation_config.json eos_token_id was the list ${JSON.stringify(old)}; it stays a list, ${JSON.stringify(list)}: the new eos first, the others kept as stop tokens.`)
      } else edits.push({ path: [key], value: r.id })
      touched.get(r.role)!.push(`generation_config.json ${key}`)
    }
    plan.files[gi] = { kind: 'write', path: GENERATION_CONFIG, content: editJsonText(before, edits, GENERATION_CONFIG), reason: `${withId.map((r) => `${r.role}_token_id`).join(', ')} set` }
  }

  for (const r of roles) {
    const old = r.oldContent === null ? 'none' : `${JSON.stringify(r.oldContent)}${r.oldId !== null ? ` (id ${r.oldId})` : ''}`
    const where = touched.get(r.role)!
    plan.decisions.push({
      code: 'TOKEN_ROLE',
      message: `${r.role}_token: ${old} → ${JSON.stringify(r.content)} (id ${r.id}${r.isNew ? ', added here' : ''})${where.length ? `; set in ${where.join(', ')}` : ''}.${r.role === 'eos' && eosListNote.length ? ` ${eosListNote.join(' ')}` : ''}`,
    })
  }
  plan.warnings.push(...roleWarnings(roles, files))
}

/** What a user changing roles should know: bos/eos changes, pad == eos, non-special role tokens. */
export function roleWarnings(roles: ResolvedRole[], files: TokenizerFiles): PlanNote[] {
  const warnings: PlanNote[] = []
  const cfg = files.tokenizerConfig?.data
  const template = typeof cfg?.chat_template === 'string' ? cfg.chat_template : ''
  const post = JSON.stringify(files.tokenizerJson.data.post_processor ?? null)
  for (const r of roles) {
    if ((r.role === 'bos' || r.role === 'eos') && r.oldContent !== r.content) {
      const named = r.oldContent !== null && template.includes(r.oldContent) ? ` The chat template names the old ${r.role} ${JSON.stringify(r.oldContent)}; update it if it should emit the new one.` : ''
      const original = files.tokenizerJson.data.post_processor
      const swapped = r.oldContent !== null && JSON.stringify(swapTemplateToken(original, r.oldContent, r.content, r.id) ?? null) !== JSON.stringify(original ?? null)
      const processed = r.oldContent === null || !post.includes(JSON.stringify(r.oldContent))
        ? ''
        : swapped
          ? ` tokenizer.json's post-processor inserted ${JSON.stringify(r.oldContent)}; it now inserts ${JSON.stringify(r.content)} (id ${r.id}) instead.`
          : ` tokenizer.json's post-processor still inserts ${JSON.stringify(r.oldContent)} (not a template Graft rewrites).`
      warnings.push({
        code: 'ROLE_CHANGES_MODEL',
        message: `Changing the model's ${r.role} token to ${JSON.stringify(r.content)}: ${r.role === 'eos' ? 'generation stops on eos, so the model must be trained to emit it' : 'the model was trained with the old bos at the start of every sequence'}.${named}${processed}`,
      })
    }
    if (r.role !== 'unk' && !r.special) warnings.push({ code: 'ROLE_NOT_SPECIAL', message: `${JSON.stringify(r.content)} (${r.role}) is not a special token: decoding with skip_special_tokens keeps it. Add it with --special to make it one.` })
    if (r.role === 'unk' && files.model.unkToken !== null && files.model.unkToken !== r.content) {
      warnings.push({ code: 'ROLE_UNK_MODEL', message: `tokenizer.json's model still maps unknown pieces to ${JSON.stringify(files.model.unkToken)}; only the unk_token name changes.` })
    }
  }
  const final = (role: 'pad' | 'eos'): string | null => roles.find((r) => r.role === role)?.content ?? files.specialTokens.roles[`${role}_token`] ?? null
  const pad = final('pad')
  if (pad !== null && pad === final('eos') && roles.some((r) => r.role === 'pad' || r.role === 'eos')) {
    warnings.push({ code: 'PAD_IS_EOS', message: `The pad token is the eos token (${JSON.stringify(pad)}). Common, but a training loss that masks padding by id also masks every real eos, so the model may never learn to stop.` })
  }
  return warnings
}
