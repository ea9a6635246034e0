import { Template } from '@huggingface/jinja'
import type { RenderChatResult } from '../../shared/compare'
import { GraftError } from '../errors'
import { resolveTokenizer, type TokenizerRef } from './load-tokenizer'
import { codePointToUtf16Table } from './text-units'
import { viewOne } from './tokenize-view'

/** Messages in one conversation; a longer one is surely a mistake for a side-by-side view. */
export const MAX_CHAT_MESSAGES = 1000

export interface ChatMessage {
  role: string
  /** A string, or a list of parts ({type: "text", text}) for multimodal templates. */
  content: unknown
  [key: string]: unknown
}

export interface RenderChatOptions {
  tokenizer: TokenizerRef
  messages: ChatMessage[]
  /** Append the assistant prompt for the next turn. Default true. */
  addGenerationPrompt?: boolean
  /** A named template (tokenizer_config.json may list several); default "default". */
  templateName?: string
  /** More template variables: tools, documents, enable_thinking, … */
  variables?: Record<string, unknown>
  /**
   * Let the post-processor add BOS/EOS when tokenizing the rendered text. Default false, as in
   * transformers' apply_chat_template(tokenize=True): templates write BOS themselves.
   */
  addSpecialTokens?: boolean
}

export type { RenderChatResult } from '../../shared/compare'

/**
 * Renders a conversation with a tokenizer's chat template (@huggingface/jinja, with the variables
 * transformers passes: messages, add_generation_prompt, bos/eos/unk/pad tokens, raise_exception)
 * and tokenizes the result, so users see exactly what the model receives.
 */
export async function renderChat(opts: RenderChatOptions): Promise<RenderChatResult> {
  checkMessages(opts.messages)
  const loaded = await resolveTokenizer(opts.tokenizer)
  const { meta } = loaded
  const name = opts.templateName ?? 'default'
  if (meta.chatTemplates.length === 0) {
    throw new GraftError('TOKENIZER', `${meta.name} has no chat template: its tokenizer_config.json has no "chat_template" and there is no chat_template.jinja.`, {
      file: meta.dir,
      hint: 'Base (pretrained) models often ship without one. Use the instruct model\'s tokenizer, or add the template as chat_template.jinja.',
    })
  }
  const tpl = meta.chatTemplates.find((t) => t.name === name)
  if (!tpl) {
    throw new GraftError('BAD_REQUEST', `${meta.name} has no chat template named "${name}"; it has ${meta.chatTemplates.map((t) => `"${t.name}"`).join(', ')}.`, { file: meta.dir })
  }
  let template: Template
  try {
    template = new Template(tpl.template)
  } catch (e) {
    throw new GraftError('TOKENIZER', `The chat template of ${meta.name} could not be parsed: ${(e as Error).message}`, {
      file: tpl.source,
      hint: 'Graft renders templates with @huggingface/jinja, which lacks a few Python-only Jinja features. Check the template in the file named.',
      cause: e,
    })
  }
  const context: Record<string, unknown> = { ...(opts.variables ?? {}) }
  for (const [role, value] of Object.entries(meta.specialTokens.roles)) if (typeof value === 'string') context[role] = value
  for (const [k, v] of Object.entries(meta.specialTokens.extra)) if (!(k in context)) context[k] = v
  if (meta.specialTokens.additional.length && !('additional_special_tokens' in context)) context.additional_special_tokens = meta.specialTokens.additional
  context.messages = opts.messages
  context.add_generation_prompt = opts.addGenerationPrompt ?? true
  let text: string
  try {
    text = template.render(context)
  } catch (e) {
    throw new GraftError('BAD_REQUEST', `The chat template of ${meta.name} refused the conversation: ${(e as Error).message}`, {
      file: tpl.source,
      hint: 'Templates often require alternating user/assistant turns, or a system message only first.',
      cause: e,
    })
  }
  const addSpecialTokens = opts.addSpecialTokens ?? false
  const { entry: view, ids } = await viewOne(loaded, text, codePointToUtf16Table(text), addSpecialTokens)
  const warnings: string[] = []
  const bos = meta.specialTokens.roles.bos_token
  if (typeof bos === 'string' && bos !== '') {
    if (view.tokens[0]?.token === bos && view.tokens[1]?.token === bos) {
      warnings.push(`The text starts with ${bos} and the tokenizer adds another: the model would see two BOS tokens. Tokenize chat text without special tokens.`)
    }
  }
  if (view.truncated) warnings.push(`Only the first ${view.tokens.length} of ${view.count} tokens are listed.`)
  return { tokenizer: meta.name, path: meta.path, templateName: tpl.name, templateSource: tpl.source, text, ids, tokens: view.tokens, count: view.count, warnings }
}

function checkMessages(messages: unknown): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new GraftError('BAD_REQUEST', 'A conversation is a non-empty list of messages like {"role": "user", "content": "Hi"}.')
  }
  if (messages.length > MAX_CHAT_MESSAGES) throw new GraftError('BAD_REQUEST', `The conversation has ${messages.length} messages; at most ${MAX_CHAT_MESSAGES} are rendered.`)
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof (m as ChatMessage).role !== 'string' || !('content' in m)) {
      throw new GraftError('BAD_REQUEST', `Message ${i + 1} needs a string "role" and a "content": ${JSON.stringify(m)?.slice(0, 80)}.`)
    }
  })
}
