import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tokenizer } from 'tokenizers'
import { beforeAll, describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { extendVocab, type ExtendVocabResult } from './extend-vocab'
import { parseTokenizerFiles, type TokenizerFiles } from './parse-tokenizer-files'
import { readTokenizerFiles } from './read-tokenizer-files'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))

/** Ten Greek words that Qwen3 and Mistral split into several pieces. */
const GREEK = [' καλημέρα', ' ευχαριστώ', ' θάλασσα', ' ουρανός', ' βιβλιοθήκη', ' πρωινό', ' λουλούδι', ' ποδήλατο', ' σύννεφο', ' φεγγάρι']
const GREEK_TEXT = 'Το πρωινό η θάλασσα και ο ουρανός ήταν γαλάζιοι· καλημέρα και ευχαριστώ, είπε στη βιβλιοθήκη.'
const UNRELATED = ['The quick brown fox jumps over the lazy dog.', 'def add(a, b):\n    return a + b  # 42', '東京は日本の首都です。']

function newText(r: ExtendVocabResult): string {
  return r.files.find((f) => f.path === 'tokenizer.json')?.content ?? ''
}

describe('extendVocab on Qwen3 (byte-level BPE)', () => {
  let files: TokenizerFiles
  let original: Tokenizer
  let r: ExtendVocabResult
  beforeAll(async () => {
    files = await readTokenizerFiles({ dir: join(FIXTURES, 'qwen3') })
    original = Tokenizer.fromString(files.tokenizerJson.text)
    r = await extendVocab({ files, tokenizer: original, tokens: [...GREEK, ' new york', '<think>', ' hello', ' καλημέρα'], samples: [GREEK_TEXT, ...UNRELATED] })
  })

  it('makes every word a single id that normal tokenization produces', () => {
    expect(r.tokens.map((t) => t.content)).toEqual(GREEK)
    for (const t of r.tokens) {
      expect(t.reachable).toBe(true)
      expect(t.before.length).toBeGreaterThan(1)
      expect(t.probeTokens).toEqual([t.piece])
    }
    // stored in the byte-level alphabet
    expect(r.tokens[0].piece).toBe('ĠÎºÎ±Î»Î·Î¼ÎŃÏģÎ±')
  })

  it('uses the new pieces in running text and leaves unrelated text alone', () => {
    const [greek, ...others] = r.verification.samples
    expect(greek.status).toBe('uses-new-tokens')
    expect(greek.roundTrip).toBe(true)
    for (const t of r.tokens.filter((t) => GREEK_TEXT.includes(t.content))) expect(greek.after).toContain(t.id)
    expect(greek.after.length).toBeLessThan(greek.before.length)
    expect(others.map((s) => s.status)).toEqual(['same', 'same', 'same'])
    expect(r.verification.problems).toEqual([])
  })

  it('skips what cannot or need not become a vocabulary token', () => {
    expect(r.skipped.map((s) => [s.content, s.reason])).toEqual([
      [' new york', 'not-one-pretoken'],
      ['<think>', 'added-token'],
      [' hello', 'in-vocab'],
      [' καλημέρα', 'repeated'],
    ])
  })

  it('keeps ids dense: added tokens mirrored into model.vocab, new ids after them', () => {
    expect(r.mirrored).toHaveLength(26)
    expect(r.mirrored[0]).toEqual({ content: '<|endoftext|>', id: 151643 })
    expect(r.newEntries[0].id).toBe(151669)
    expect(r.newEntries.map((e) => e.id)).toEqual(r.newEntries.map((_, i) => 151669 + i))
    expect(r.newSize).toBe(151669 + r.newEntries.length)
    expect(r.verification.size).toBe(r.newSize)
    expect(r.merges.length).toBe(r.newEntries.length) // one merge per new piece in a left fold
    // the result passes Graft's own id checks (vocab-spec "Case B")
    const again = parseTokenizerFiles({ texts: { 'tokenizer.json': newText(r) } })
    expect(again.size).toBe(r.newSize)
    expect(again.model.vocabSize).toBe(r.newSize)
    expect(again.model.mergeCount).toBe(files.model.mergeCount + r.merges.length)
  })
})

describe('extendVocab on Mistral (SentencePiece-style BPE)', () => {
  let files: TokenizerFiles
  let original: Tokenizer
  beforeAll(async () => {
    files = await readTokenizerFiles({ dir: join(FIXTURES, 'mistral') })
    original = Tokenizer.fromString(files.tokenizerJson.text)
  })

  it('adds "▁" pieces and merges in the file\'s "a b" format', async () => {
    const r = await extendVocab({ files, tokenizer: original, tokens: [...GREEK, ' xylophone', 'ing'], samples: [GREEK_TEXT, 'Play the xylophone.', ...UNRELATED] })
    expect(r.tokens.map((t) => [t.content, t.reachable])).toEqual([...GREEK, ' xylophone'].map((w) => [w, true]))
    expect(r.tokens.at(-1)).toMatchObject({ piece: '▁xylophone', before: ['▁x', 'yl', 'oph', 'one'], probe: 'xylophone', via: 'pipeline' })
    expect(r.skipped).toEqual([{ content: 'ing', reason: 'in-vocab', id: 288 }])
    expect(r.mirrored).toEqual([])
    expect(r.newEntries[0].id).toBe(32000)
    const j = JSON.parse(newText(r))
    expect(j.model.merges.slice(-1)[0]).toBe('▁xyloph one')
    expect(j.model.vocab['▁xylophone']).toBe(r.tokens.at(-1)?.id)
    const [greek, xylo, ...others] = r.verification.samples
    expect([greek.status, xylo.status]).toEqual(['uses-new-tokens', 'uses-new-tokens'])
    expect(xylo.afterTokens).toEqual(['▁Play', '▁the', '▁xylophone', '.'])
    expect([greek.roundTrip, xylo.roundTrip]).toEqual([true, true])
    expect(others.map((s) => s.status)).toEqual(['same', 'same', 'same'])
  })

  it('adds characters that used byte fallback, so a new script gets real pieces', async () => {
    const georgian = [' გამარჯობა', ' მადლობა']
    const r = await extendVocab({ files, tokenizer: original, tokens: georgian, samples: ['გამარჯობა და მადლობა!', 'Hello there'] })
    const chars = r.newEntries.filter((e) => e.role === 'character').map((e) => e.piece)
    expect(chars.length).toBeGreaterThan(0)
    expect(chars.every((c) => [...c].length === 1)).toBe(true)
    expect(r.warnings.join('\n')).toMatch(/instead of byte-fallback tokens/)
    expect(r.tokens.every((t) => t.reachable)).toBe(true)
    expect(r.verification.samples.map((s) => [s.status, s.roundTrip])).toEqual([['uses-new-tokens', true], ['same', true]])
  })

  it('works with the transformers v5 layout (Metaspace pre-tokenizer, prepend_scheme "first")', async () => {
    const j = JSON.parse(files.tokenizerJson.text)
    j.normalizer = null
    j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }
    j.decoder = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }
    const v5 = parseTokenizerFiles({ texts: { 'tokenizer.json': JSON.stringify(j) } })
    expect(v5.model.metaspace).toEqual({ replacement: '▁', prependScheme: 'first', split: false, source: 'pre_tokenizer' })
    const r = await extendVocab({ files: v5, tokens: [' xylophone', ' καλημέρα'], samples: ['I play the xylophone, καλημέρα'] })
    expect(r.tokens.map((t) => [t.piece, t.reachable])).toEqual([['▁xylophone', true], ['▁καλημέρα', true]])
    expect(r.verification.samples[0].status).toBe('uses-new-tokens')
  })

  it('refuses tokens that normal tokenization still would not produce, unless forced', async () => {
    // BPE dropout 1.0 skips every merge, so no new piece can ever be built
    const j = JSON.parse(files.tokenizerJson.text)
    j.model.dropout = 1.0
    const broken = parseTokenizerFiles({ texts: { 'tokenizer.json': JSON.stringify(j) } })
    const err = await extendVocab({ files: broken, tokens: [' xylophone'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GraftError)
    expect((err as GraftError).code).toBe('TOKENIZER')
    expect((err as GraftError).message).toContain('" xylophone" ("xylophone" → ["▁", "x", "y"')
    const forced = await extendVocab({ files: broken, tokens: [' xylophone'], force: true })
    expect(forced.tokens[0].reachable).toBe(false)
    expect(forced.warnings.join('\n')).toMatch(/Kept 1 token/)
  })

  it('turns a partial piece into a requested token when it is asked for too', async () => {
    const r = await extendVocab({ files, tokenizer: original, tokens: [' xylophone', ' xyloph'] })
    expect(r.tokens.map((t) => [t.piece, t.reachable])).toEqual([['▁xylophone', true], ['▁xyloph', true]])
    expect(r.newEntries.map((e) => [e.piece, e.role])).toEqual([['▁xyl', 'intermediate'], ['▁xyloph', 'requested'], ['▁xylophone', 'requested']])
  })

  it('warns that tokenizer.model is not updated', async () => {
    const withModel = parseTokenizerFiles({ texts: { 'tokenizer.json': files.tokenizerJson.text }, hasTokenizerModel: true })
    const r = await extendVocab({ files: withModel, tokenizer: original, tokens: [' xylophone'] })
    expect(r.warnings.join('\n')).toMatch(/tokenizer\.model was NOT updated/)
  })

  it('refuses tokenizers that are not BPE', async () => {
    const wl = JSON.stringify({ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 1 }, unk_token: '[UNK]' } })
    const f = parseTokenizerFiles({ texts: { 'tokenizer.json': wl } })
    await expect(extendVocab({ files: f, tokens: ['b'] })).rejects.toMatchObject({ code: 'TOKENIZER', message: expect.stringContaining('WordLevel') })
  })
})
