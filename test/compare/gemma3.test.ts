// Gemma 3 (262k pieces, 33 MB tokenizer.json) in a file of its own, so its load runs beside the others.
import { beforeAll, describe, expect, it } from 'vitest'
import { computeMetrics } from '../../src/core/compare/compute-metrics'
import { loadTokenizer, type LoadedTokenizer } from '../../src/core/compare/load-tokenizer'
import { renderChat } from '../../src/core/compare/render-chat'
import { tokenizeView } from '../../src/core/compare/tokenize-view'
import { fixtureDir } from './fixture-dirs'
import { referenceWords, utf16Index } from './helpers'

let gemma: LoadedTokenizer
beforeAll(async () => {
  gemma = await loadTokenizer({ path: fixtureDir('gemma3') })
})

describe('gemma3', () => {
  it('is read as SentencePiece-style BPE with byte fallback and 6415 added tokens', () => {
    expect(gemma.meta).toMatchObject({ alphabet: 'metaspace', metaspaceChar: '▁', byteFallback: true, unkId: 3, vocabSize: 262144, size: 262145 })
    expect(gemma.meta.addedTokens).toHaveLength(6415)
    expect(gemma.meta.specialTokens.roles).toMatchObject({ bos_token: '<bos>', eos_token: '<end_of_turn>' })
  })

  it('keeps each emoji of a ZWJ family and each regional indicator of a flag as whole tokens with exact UTF-16 offsets', async () => {
    const text = 'Family 👨‍👩‍👧‍👦 in 🇫🇷!'
    const [e] = (await tokenizeView({ tokenizers: [gemma], text })).entries
    const enc = await gemma.tokenizer.encode(text, null, { addSpecialTokens: false })
    expect(e.tokens.map((t) => t.id)).toEqual(enc.getIds())
    for (const t of e.tokens) {
      expect(t.start16).toBe(utf16Index(text, t.start))
      expect(t.end16).toBe(utf16Index(text, t.end))
      expect(t.byteFallback).toBe(false)
      expect(t.text).toBe(text.slice(t.start16, t.end16))
    }
    expect(e.tokens.map((t) => t.text)).toContain('👩')
    expect(e.tokens.map((t) => t.text)).toContain('🇫')
    expect(e.tokens.map((t) => t.text)).toContain('\u200d')
  })

  it('falls back to byte pieces for a character outside the vocabulary', async () => {
    const text = '𓀀 hieroglyph'
    const [e] = (await tokenizeView({ tokenizers: [gemma], text })).entries
    const bytes = e.tokens.filter((t) => t.byteFallback)
    expect(bytes.map((t) => t.token)).toEqual(['<0xF0>', '<0x93>', '<0x80>', '<0x80>'])
    expect(bytes.every((t) => t.start16 === 0 && t.end16 === 2 && t.text === null)).toBe(true)
    const m = await computeMetrics({ tokenizers: [gemma], text })
    expect(m.total.perTokenizer[0]).toMatchObject({ tokens: e.count, byteFallback: 4, unknown: 0 })
    expect(m.total.words).toBe(referenceWords(text).length)
  })

  it('renders its chat template for a 2-turn conversation as written by hand', async () => {
    const r = await renderChat({
      tokenizer: gemma,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi there!' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Bye.' },
      ],
    })
    expect(r.text).toBe('<bos><start_of_turn>user\nBe brief.\n\nHi there!<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nBye.<end_of_turn>\n<start_of_turn>model\n')
    expect(r.tokens[0]).toMatchObject({ token: '<bos>', special: true })
    await expect(renderChat({ tokenizer: gemma, messages: [{ role: 'assistant', content: 'x' }] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/alternate/) })
  })
})
