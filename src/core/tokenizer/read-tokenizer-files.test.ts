import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { parseTokenizerFiles } from './parse-tokenizer-files'
import { readTokenizerFiles } from './read-tokenizer-files'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))
const mistralText = readFileSync(join(FIXTURES, 'mistral/tokenizer.json'), 'utf8')
const mistralConfig = readFileSync(join(FIXTURES, 'mistral/tokenizer_config.json'), 'utf8')
const tmp = mkdtempSync(join(tmpdir(), 'graft-tok-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The Mistral tokenizer.json, changed by `edit` (plain JSON is fine for these checks). */
function brokenMistral(edit: (j: { added_tokens: Record<string, unknown>[]; model: { vocab: Record<string, number> } }) => void): string {
  const j = JSON.parse(mistralText)
  edit(j)
  return JSON.stringify(j)
}
const tok = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })

function refusal(texts: Record<string, string>): GraftError {
  try {
    parseTokenizerFiles({ texts })
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError)
    expect((e as GraftError).code).toBe('TOKENIZER')
    return e as GraftError
  }
  throw new Error('expected a refusal')
}

describe('readTokenizerFiles', () => {
  it('reads the Mistral (SentencePiece-style BPE, v4 config) fixture', async () => {
    const f = await readTokenizerFiles({ dir: join(FIXTURES, 'mistral') })
    expect(f.configStyle).toBe('v4')
    expect(f.model).toMatchObject({ type: 'BPE', kind: 'sentencepiece-bpe', vocabSize: 32000, mergesFormat: 'strings', byteFallback: true, unkToken: '<unk>' })
    expect(f.model.metaspace).toEqual({ replacement: '▁', prependScheme: 'always', split: false, source: 'normalizer' })
    expect(f.size).toBe(32000) // <unk> <s> </s> are added tokens that live in model.vocab
    expect(f.addedTokens.map((t) => [t.id, t.content, t.special])).toEqual([[0, '<unk>', true], [1, '<s>', true], [2, '</s>', true]])
    expect(f.specialTokens.roles).toMatchObject({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: null })
    expect(f.hasTokenizerModel).toBe(false)
    expect(f.specialTokensMap).toBeNull()
    expect(f.warnings).toEqual([])
  })

  it('reads the Qwen3 (byte-level BPE) fixture', async () => {
    const f = await readTokenizerFiles({ dir: join(FIXTURES, 'qwen3') })
    expect(f.configStyle).toBe('v4')
    expect(f.model).toMatchObject({ kind: 'byte-level-bpe', vocabSize: 151643, mergesFormat: 'pairs', byteFallback: false, metaspace: null })
    expect(f.size).toBe(151669) // 151643 + 26 added tokens above the vocabulary
    expect(f.addedTokens).toHaveLength(26)
    expect(f.specialTokens.additional).toContain('<|im_start|>')
    expect(f.specialTokens.roles.eos_token).toBe('<|im_end|>')
  })

  it('notes tokenizer.model and refuses a folder without tokenizer.json', async () => {
    const dir = join(tmp, 'with-model')
    rmSync(dir, { recursive: true, force: true })
    await import('node:fs/promises').then((fs) => fs.mkdir(dir))
    copyFileSync(join(FIXTURES, 'mistral/tokenizer.json'), join(dir, 'tokenizer.json'))
    writeFileSync(join(dir, 'tokenizer.model'), Buffer.from([0x0a, 0x00]))
    expect((await readTokenizerFiles({ dir })).hasTokenizerModel).toBe(true)
    expect((await readTokenizerFiles({ dir })).configStyle).toBe('none')
    const empty = join(tmp, 'empty')
    await import('node:fs/promises').then((fs) => fs.mkdir(empty, { recursive: true }))
    await expect(readTokenizerFiles({ dir: empty })).rejects.toMatchObject({ code: 'TOKENIZER', message: expect.stringContaining('has no tokenizer.json') })
    await expect(readTokenizerFiles({ dir: join(tmp, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('parseTokenizerFiles: config styles', () => {
  it('tells v5 and legacy tokenizer_config.json layouts apart', () => {
    const v5 = JSON.stringify({ backend: 'tokenizers', bos_token: '<s>', eos_token: '</s>', extra_special_tokens: ['<x>'], tokenizer_class: 'LlamaTokenizer' })
    const f5 = parseTokenizerFiles({ texts: { 'tokenizer.json': mistralText, 'tokenizer_config.json': v5 } })
    expect(f5.configStyle).toBe('v5')
    expect(f5.specialTokens.additional).toEqual(['<x>'])
    const legacy = JSON.stringify({ bos_token: { __type: 'AddedToken', content: '<s>' }, tokenizer_class: 'LlamaTokenizer' })
    const fl = parseTokenizerFiles({ texts: { 'tokenizer.json': mistralText, 'tokenizer_config.json': legacy } })
    expect(fl.configStyle).toBe('legacy')
    expect(fl.specialTokens.roles.bos_token).toBe('<s>')
  })
})

describe('parseTokenizerFiles: ids the library would renumber are refused', () => {
  it('refuses a gap after the vocabulary', () => {
    const e = refusal({ 'tokenizer.json': brokenMistral((j) => j.added_tokens.push(tok(32005, '<a>'))) })
    expect(e.message).toContain('"<a>" says id 32005 but would get id 32000 on load')
  })

  it('refuses added tokens out of order', () => {
    const e = refusal({ 'tokenizer.json': brokenMistral((j) => j.added_tokens.push(tok(32001, '<a>'), tok(32000, '<b>'))) })
    expect(e.message).toContain('"<a>" says id 32001 but would get id 32000')
    expect(e.message).toContain('"<b>" says id 32000 but would get id 32001')
  })

  it('refuses an added token that claims a vocabulary id (collision)', () => {
    const e = refusal({ 'tokenizer.json': brokenMistral((j) => j.added_tokens.push(tok(5, '<a>'))) })
    expect(e.message).toContain('id 5 already belongs to "<0x02>"')
  })

  it('refuses a vocabulary entry placed after added tokens (vocab-spec Case A)', () => {
    const e = refusal({
      'tokenizer.json': brokenMistral((j) => {
        j.added_tokens.push(tok(32000, '<a>'), tok(32001, '<b>'))
        j.model.vocab['xq'] = 32002
      }),
    })
    expect(e.message).toContain('not exactly 0..32000')
    expect(e.message).toContain('holes): 32000')
  })

  it('refuses duplicate ids in model.vocab', () => {
    const e = refusal({ 'tokenizer.json': brokenMistral((j) => (j.model.vocab['xq'] = 7)) })
    expect(e.message).toMatch(/more than one token: 7 \(e\.g\. 7 is "<0x04>" and "xq"\)/)
  })

  it('refuses an added_tokens_decoder that disagrees with tokenizer.json', () => {
    const cfg = JSON.parse(mistralConfig)
    cfg.added_tokens_decoder['3'] = cfg.added_tokens_decoder['2']
    delete cfg.added_tokens_decoder['2']
    const e = refusal({ 'tokenizer.json': mistralText, 'tokenizer_config.json': JSON.stringify(cfg) })
    expect(e.message).toContain('"</s>" is id 3 here but id 2 in tokenizer.json')
  })

  it('refuses added tokens without every flag, as the tokenizers library does', () => {
    const e = refusal({ 'tokenizer.json': brokenMistral((j) => j.added_tokens.push({ id: 32000, content: '<a>', single_word: false, lstrip: false, rstrip: false, special: true })) })
    expect(e.message).toContain('lacks the boolean field(s) normalized')
  })

  it('refuses invalid JSON with the file name', () => {
    expect(() => parseTokenizerFiles({ dir: '/m', texts: { 'tokenizer.json': '{"model": ' } })).toThrow(/\/m\/tokenizer\.json is not valid JSON/)
  })
})
