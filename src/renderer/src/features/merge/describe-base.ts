import type { LibraryEntry } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { formatBytes, formatCount, formatInt } from '../../lib/format'

/** What the Base model field says about the folder typed in it. */
export type BaseCheck = { ok: true; text: string } | { ok: false; message: string; hint?: string }

/**
 * The Base field's inline check, from model.inspect's entry (or its error): a one-line summary
 * of a usable base, or what is wrong with the folder and what to choose instead. An adapter or a
 * tokenizer-only folder is named as such, not reported as "no config.json".
 */
export function describeBase(path: string, result: { entry: LibraryEntry } | { error: ErrorInfo }): BaseCheck {
  if ('error' in result) return { ok: false, message: result.error.message, hint: result.error.hint }
  const e = result.entry
  if (e.error) return { ok: false, message: e.error.message, hint: e.error.hint }
  if (e.kind === 'adapter') {
    const named = e.adapter?.baseModel ? ` Its adapter_config.json names ${e.adapter.baseModel} as the base.` : ''
    return { ok: false, message: `${path} is a PEFT adapter (adapter_config.json), not a base model.`, hint: `Put it under Adapters, and choose here the model it was trained on.${named}` }
  }
  if (e.kind === 'tokenizer') {
    return { ok: false, message: `${path} holds only a tokenizer, no model weights.`, hint: 'Choose the folder with config.json and *.safetensors.' }
  }
  const parts = [`✓ ${e.architecture ?? e.modelType ?? 'model'}`]
  if (e.paramCount != null) parts.push(`${formatCount(e.paramCount)} parameters`)
  if (e.vocabSize != null) parts.push(`vocab ${formatInt(e.vocabSize)}`)
  if (e.embedRows != null && e.embedRows !== e.vocabSize) parts.push(`embedding ${formatInt(e.embedRows)} rows`)
  if (e.dtype) parts.push(e.dtype)
  parts.push(`${e.shardCount} shard${e.shardCount === 1 ? '' : 's'} · ${formatBytes(e.sizeBytes)}`)
  return { ok: true, text: parts.join(' · ') }
}
