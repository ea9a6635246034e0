import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTokenizer, type LoadedTokenizer } from '../../src/core/compare/load-tokenizer'
import { renderChat } from '../../src/core/compare/render-chat'
import { GraftError } from '../../src/core/errors'
import { fixtureDir } from './fixture-dirs'

const tmp = mkdtempSync(join(tmpdir(), 'graft-chat-'))
let qwen3: LoadedTokenizer
let llama3: LoadedTokenizer
let mistral: LoadedTokenizer

/** A copy of the Mistral folder with a chat_template.jinja beside it. */
function mistralWithTemplate(name: string, template: string): string {
  const dir = join(tmp, name)
  mkdirSync(dir)
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(fixtureDir('mistral'), f), join(dir, f))
  writeFileSync(join(dir, 'chat_template.jinja'), template)
  return dir
}

beforeAll(async () => {
  qwen3 = await loadTokenizer({ path: fixtureDir('qwen3') })
  llama3 = await loadTokenizer({ path: fixtureDir('llama3') })
  mistral = await loadTokenizer({ path: fixtureDir('mistral') })
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const TWO_TURNS = [
  { role: 'user', content: 'Hi there!' },
  { role: 'assistant', content: 'Hello! How can I help?' },
  { role: 'user', content: 'Tell me a joke.' },
]

describe('renderChat', () => {
  it('qwen3: renders a 2-turn conversation exactly as written by hand, and tokenizes it without extra special tokens', async () => {
    const r = await renderChat({ tokenizer: qwen3, messages: TWO_TURNS })
    const expected =
      '<|im_start|>user\nHi there!<|im_end|>\n' +
      '<|im_start|>assistant\nHello! How can I help?<|im_end|>\n' +
      '<|im_start|>user\nTell me a joke.<|im_end|>\n' +
      '<|im_start|>assistant\n'
    expect(r.text).toBe(expected)
    expect(r.ids).toEqual((await qwen3.tokenizer.encode(expected, null, { addSpecialTokens: false })).getIds())
    expect(r.count).toBe(r.ids.length)
    expect(r.tokens.filter((t) => t.special).map((t) => t.token)).toEqual(['<|im_start|>', '<|im_end|>', '<|im_start|>', '<|im_end|>', '<|im_start|>', '<|im_end|>', '<|im_start|>'])
    expect(r.templateSource).toMatch(/tokenizer_config\.json$/)
    expect(r.warnings).toEqual([])
  })

  it('qwen3: the last assistant turn gets the empty think block; system message and enable_thinking=false', async () => {
    const last = await renderChat({ tokenizer: qwen3, messages: TWO_TURNS.slice(0, 2), addGenerationPrompt: false })
    expect(last.text).toBe('<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello! How can I help?<|im_end|>\n')
    const sys = await renderChat({ tokenizer: qwen3, messages: [{ role: 'system', content: 'Be brief.' }, TWO_TURNS[0]], variables: { enable_thinking: false } })
    expect(sys.text).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n')
  })

  it('llama3: bos_token from tokenizer_config.json, trimmed contents, header for the next turn', async () => {
    const r = await renderChat({ tokenizer: llama3, messages: [{ role: 'user', content: '  Hi there!\n' }, { role: 'assistant', content: 'Hello!' }] })
    const expected =
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n'
    expect(r.text).toBe(expected)
    expect(r.tokens[0]).toMatchObject({ token: '<|begin_of_text|>', special: true })
    expect(r.tokens.map((t) => t.token).filter((t) => t === '<|begin_of_text|>')).toHaveLength(1)
  })

  it('says clearly when a tokenizer has no chat template', async () => {
    const err = await renderChat({ tokenizer: mistral, messages: TWO_TURNS }).catch((e) => e)
    expect(err).toBeInstanceOf(GraftError)
    expect(err.code).toBe('TOKENIZER')
    expect(err.message).toMatch(/mistral has no chat template/)
  })

  it('reads chat_template.jinja, passes raise_exception through, and warns about a doubled BOS', async () => {
    const dir = mistralWithTemplate(
      'with-jinja',
      "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}",
    )
    const r = await renderChat({ tokenizer: dir, messages: TWO_TURNS.slice(0, 2) })
    expect(r.text).toBe('<s>[user] Hi there!</s>[assistant] Hello! How can I help?</s>')
    expect(r.templateSource).toMatch(/chat_template\.jinja$/)
    const doubled = await renderChat({ tokenizer: dir, messages: TWO_TURNS.slice(0, 1), addSpecialTokens: true })
    expect(doubled.tokens.slice(0, 2).map((t) => t.token)).toEqual(['<s>', '<s>'])
    expect(doubled.warnings.join(' ')).toMatch(/two BOS/)
    await expect(renderChat({ tokenizer: dir, messages: [{ role: 'system', content: 'x' }] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/no system role/) })
  })

  it('refuses malformed conversations and unknown template names', async () => {
    await expect(renderChat({ tokenizer: qwen3, messages: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(renderChat({ tokenizer: qwen3, messages: [{ content: 'x' }] as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(renderChat({ tokenizer: qwen3, messages: TWO_TURNS, templateName: 'tool_use' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
