import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tokenizer } from 'tokenizers'
import { beforeAll, describe, expect, it } from 'vitest'
import { addTokens, type AddTokensResult } from './add-tokens'
import { formatJsonText, parseJsonText, withKey, type JsonArray, type JsonObject } from '../json/json-text'
import { parseTokenizerFiles, type TokenizerFiles } from './parse-tokenizer-files'
import { readTokenizerFiles } from './read-tokenizer-files'
import { verifyTokenizer } from './verify-tokenizer'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))
const NEW_TOKENS = [
  { content: '<reason>', special: false },
  { content: '<|tool|>', special: true },
  { content: '<|tool|>', special: true }, // repeated
  { content: 'hello', special: false }, // in both vocabularies
  { content: '', special: false },
]

function file(r: AddTokensResult, name: string): string {
  const f = r.files.find((x) => x.path === name)
  if (!f) throw new Error(`${name} was not edited`)
  return f.content
}
async function encode(t: Tokenizer, text: string): Promise<{ ids: number[]; text: string }> {
  const e = await t.encode(text, null, { addSpecialTokens: false })
  return { ids: e.getIds(), text: await t.decode(e.getIds(), false) }
}
/** The edited text minus the new added_tokens entries must be the original, byte for byte. */
function withoutNewEntries(edited: string, keep: number): string {
  const data = parseJsonText(edited) as JsonObject
  const list = (data.added_tokens as JsonArray).slice(0, keep)
  return formatJsonText(withKey(data, 'added_tokens', list), { indent: '  ', keySep: ': ', itemSep: ',', finalNewline: edited.endsWith('\n') })
}

describe('addTokens on Qwen3 (byte-level BPE, v4 config)', () => {
  let files: TokenizerFiles
  let r: AddTokensResult
  beforeAll(async () => {
    files = await readTokenizerFiles({ dir: join(FIXTURES, 'qwen3') })
    r = addTokens({ files, tokens: [...NEW_TOKENS, { content: '<think>', special: false }] })
  })

  it('assigns the next dense ids and skips duplicates with reasons', () => {
    expect(r.added.map((t) => [t.content, t.id])).toEqual([['<reason>', 151669], ['<|tool|>', 151670]])
    expect(r.skipped).toEqual([
      { content: '<|tool|>', reason: 'repeated' },
      { content: 'hello', reason: 'in-vocab', id: 14990 },
      { content: '', reason: 'empty' },
      { content: '<think>', reason: 'already-added', id: 151667 },
    ])
    expect([r.oldSize, r.newSize]).toEqual([151669, 151671])
  })

  it('writes the transformers defaults for the flags', () => {
    const list = (JSON.parse(file(r, 'tokenizer.json')) as { added_tokens: object[] }).added_tokens
    expect(list.slice(-2)).toEqual([
      { id: 151669, content: '<reason>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 151670, content: '<|tool|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ])
    expect(Object.keys(list[list.length - 1])).toEqual(['id', 'content', 'single_word', 'lstrip', 'rstrip', 'normalized', 'special'])
  })

  it('keeps the v4 tokenizer_config.json layout: added_tokens_decoder + additional_special_tokens', () => {
    const cfg = JSON.parse(file(r, 'tokenizer_config.json'))
    expect(cfg.added_tokens_decoder['151669']).toEqual({ content: '<reason>', lstrip: false, normalized: true, rstrip: false, single_word: false, special: false })
    expect(cfg.added_tokens_decoder['151670'].special).toBe(true)
    expect(cfg.additional_special_tokens.slice(-2)).toEqual(['<|video_pad|>', '<|tool|>'])
    // the edited files read back cleanly (ids agree everywhere)
    const again = parseTokenizerFiles({ texts: { 'tokenizer.json': file(r, 'tokenizer.json'), 'tokenizer_config.json': file(r, 'tokenizer_config.json') } })
    expect(again.size).toBe(151671)
    expect(again.configStyle).toBe('v4')
  })

  it('loads in the tokenizers library: new ids, round trips, other text unchanged', async () => {
    const withNew = 'Let me think: <reason>yes</reason> then call<|tool|>now.'
    const report = await verifyTokenizer({
      after: file(r, 'tokenizer.json'),
      before: files.tokenizerJson.text,
      expect: r.added.map((t) => ({ content: t.content, id: t.id })),
      samples: ['Hello world, 你好 😀', 'def f(x):\n\treturn x', withNew],
      expectedSize: r.newSize,
    })
    expect(report.problems).toEqual([])
    expect(report.size).toBe(151671)
    expect(report.tokens.map((t) => t.ids)).toEqual([[151669], [151670]])
    expect(report.samples.map((s) => s.status)).toEqual(['same', 'same', 'uses-new-tokens'])
    expect(report.samples.every((s) => s.roundTrip)).toBe(true)
    expect(report.samples[2].after).toEqual(expect.arrayContaining([151669, 151670]))
  })
})

describe('addTokens on Mistral (SentencePiece-style BPE)', () => {
  let files: TokenizerFiles
  let tok: Tokenizer
  let r: AddTokensResult
  beforeAll(async () => {
    files = await readTokenizerFiles({ dir: join(FIXTURES, 'mistral') })
    r = addTokens({ files, tokens: [...NEW_TOKENS, { content: '<s>', special: true }, { content: '<raw>', special: false, normalized: false, lstrip: true, single_word: true }] })
    tok = Tokenizer.fromString(file(r, 'tokenizer.json'))
  })

  it('assigns ids after the vocabulary and skips tokens it already has', () => {
    expect(r.added.map((t) => [t.content, t.id, t.normalized])).toEqual([['<reason>', 32000, true], ['<|tool|>', 32001, false], ['<raw>', 32002, false]])
    expect(r.skipped.map((s) => [s.content, s.reason, s.id])).toEqual([
      ['<|tool|>', 'repeated', undefined],
      ['hello', 'in-vocab', 21558],
      ['', 'empty', undefined],
      ['<s>', 'already-added', 1],
    ])
    expect(r.newSize).toBe(32003)
    const raw = (JSON.parse(file(r, 'tokenizer.json')) as { added_tokens: object[] }).added_tokens.at(-1)
    expect(raw).toEqual({ id: 32002, content: '<raw>', single_word: true, lstrip: true, rstrip: false, normalized: false, special: false })
  })

  it('warns about the "▁" pitfalls, which the real library shows', async () => {
    expect(r.warnings.join('\n')).toMatch(/"<reason>" is normalized.*only at the start of the text or after a space/)
    expect(r.warnings.join('\n')).toMatch(/decoding adds a space/)
    // normalized token: matched after a space, not inside a word (transformers#27132)
    expect((await encode(tok, 'a <reason> b')).ids).toContain(32000)
    expect((await encode(tok, 'a<reason>b')).ids).not.toContain(32000)
    // unnormalized special token: matched anywhere, but decode puts a space after it
    const glued = await encode(tok, 'x<|tool|>y')
    expect(glued.ids).toEqual([1318, 32001, 337])
    expect(glued.text).toBe('x<|tool|> y')
  })

  it('changes nothing else in tokenizer.json', () => {
    expect(withoutNewEntries(file(r, 'tokenizer.json'), 3)).toBe(files.tokenizerJson.text)
  })

  it('round-trips text where the new tokens sit between spaces', async () => {
    const text = 'Think <reason> about it'
    const { ids, text: back } = await encode(tok, text)
    expect(ids).toContain(32000)
    expect(back).toBe(text)
  })

  it('keeps the v4 layout, the big model_max_length and the key order of tokenizer_config.json', () => {
    const cfg = file(r, 'tokenizer_config.json')
    expect(cfg).toContain('"model_max_length": 1000000000000000019884624838656,')
    expect(cfg).toContain('"additional_special_tokens": [\n    "<|tool|>"\n  ],')
    const keys = Object.keys(JSON.parse(cfg).added_tokens_decoder)
    expect(keys).toEqual(['0', '1', '2', '32000', '32001', '32002'])
    expect(cfg.endsWith('}\n')).toBe(true)
  })

  it('writes the v5 layout: extra_special_tokens list, no added_tokens_decoder', () => {
    const v5 = '{\n  "backend": "tokenizers",\n  "bos_token": "<s>",\n  "eos_token": "</s>",\n  "extra_special_tokens": [\n    "<x>"\n  ],\n  "model_max_length": 1000000000000000019884624838656,\n  "tokenizer_class": "LlamaTokenizer",\n  "unk_token": "<unk>"\n}\n'
    const f5 = parseTokenizerFiles({ texts: { 'tokenizer.json': files.tokenizerJson.text, 'tokenizer_config.json': v5 } })
    const r5 = addTokens({ files: f5, tokens: [{ content: '<reason>', special: false }, { content: '<|tool|>', special: true }] })
    const cfg = file(r5, 'tokenizer_config.json')
    expect(cfg).toBe(v5.replace('"<x>"\n', '"<x>",\n    "<|tool|>"\n'))
    // only regular tokens: v5 keeps added tokens in tokenizer.json alone
    const plain = addTokens({ files: f5, tokens: [{ content: '<reason>', special: false }] })
    expect(plain.files.map((f) => f.path)).toEqual(['tokenizer.json'])
  })

  it('updates special_tokens_map.json and added_tokens.json when present', () => {
    const map = JSON.stringify(
      { bos_token: { content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false }, eos_token: { content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false } },
      null,
      2,
    )
    const fm = parseTokenizerFiles({ texts: { 'tokenizer.json': files.tokenizerJson.text, 'special_tokens_map.json': map, 'added_tokens.json': '{}' } })
    const rm = addTokens({ files: fm, tokens: [{ content: '<z>', special: false }, { content: '<|tool|>', special: true }, { content: '<|a|>', special: true }] })
    const m = JSON.parse(file(rm, 'special_tokens_map.json'))
    expect(Object.keys(m)).toEqual(['additional_special_tokens', 'bos_token', 'eos_token'])
    expect(m.additional_special_tokens).toEqual([
      { content: '<|tool|>', lstrip: false, normalized: false, rstrip: false, single_word: false },
      { content: '<|a|>', lstrip: false, normalized: false, rstrip: false, single_word: false },
    ])
    // sorted keys, indent 2, as transformers writes it
    expect(file(rm, 'added_tokens.json')).toBe('{\n  "<z>": 32000,\n  "<|a|>": 32002,\n  "<|tool|>": 32001\n}')
    // listSpecialTokens: false is add_tokens(special_tokens=True): the special flag only
    const quiet = addTokens({ files: fm, tokens: [{ content: '<|tool|>', special: true }], listSpecialTokens: false })
    expect(quiet.files.map((f) => f.path)).toEqual(['tokenizer.json', 'added_tokens.json'])
  })

  it('is pure: the input files are unchanged', () => {
    expect(files.addedTokens).toHaveLength(3)
    expect((files.tokenizerJson.data.added_tokens as JsonArray).length).toBe(3)
  })
})
