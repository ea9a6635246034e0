import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTokenizer, type LoadedTokenizer } from '../../src/core/compare/load-tokenizer'
import { tokenizeView, type ViewToken } from '../../src/core/compare/tokenize-view'
import { GraftError } from '../../src/core/errors'
import { fixtureDir } from './fixture-dirs'
import { utf16Index, validUtf8, writeTinyTokenizer } from './helpers'

const ZWJ_FAMILY = '👨‍👩‍👧‍👦'
const TEXTS = [
  'ab 你好 😀x',
  `Family ${ZWJ_FAMILY} and flags 🇫🇷🇯🇵!`,
  'tab\there\nnew line\r\n  two spaces',
  'CJK 日本語のテキスト、한국어 텍스트, 中文。',
  'Skin tones 👍🏽👍🏿 and ❤️‍🔥 and a heart ❤️',
]

const tmp = mkdtempSync(join(tmpdir(), 'graft-view-'))
const tiny = writeTinyTokenizer(tmp)
const tok: Record<string, LoadedTokenizer> = {}
/** The Rust tokenizers, for the direct encode calls the results are checked against. */
const direct: Record<string, Tokenizer> = {}

beforeAll(async () => {
  for (const name of ['mistral', 'qwen3', 'llama3'] as const) {
    tok[name] = await loadTokenizer({ path: fixtureDir(name) })
    direct[name] = tok[name].tokenizer
  }
  tok.tiny = await loadTokenizer({ path: tiny.file })
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The text a token covers, from its UTF-16 offsets. */
const slice = (text: string, t: ViewToken): string => text.slice(t.start16, t.end16)

describe('tokenizeView', () => {
  it('gives code-point and UTF-16 offsets for "ab 你好 😀x" (qwen3, byte-level)', async () => {
    const text = 'ab 你好 😀x'
    const [e] = (await tokenizeView({ tokenizers: [tok.qwen3], text })).entries
    expect(e.tokens.map((t) => [t.start, t.end])).toEqual([[0, 2], [2, 3], [3, 5], [5, 7], [7, 8]])
    expect(e.tokens.map((t) => [t.start16, t.end16])).toEqual([[0, 2], [2, 3], [3, 5], [5, 8], [8, 9]])
    expect(e.tokens.map((t) => t.text)).toEqual(['ab', ' ', '你好', ' 😀', 'x'])
    expect(e.tokens.map((t) => t.token)).toEqual(['ab', 'Ġ', 'ä½łå¥½', 'ĠðŁĺĢ', 'x'])
    expect(e.tokens.map((t) => t.display)).toEqual(['ab', '␣', '你好', '␣😀', 'x'])
    expect(e.tokens[3].bytes).toEqual([0x20, 0xf0, 0x9f, 0x98, 0x80])
    expect(e.tokens.map((t) => slice(text, t))).toEqual(['ab', ' ', '你好', ' 😀', 'x'])
  })

  for (const name of ['mistral', 'qwen3', 'llama3'] as const) {
    it(`${name}: ids match a direct encode; offsets, slices, bytes and flags agree on emoji, ZWJ, flags and CJK`, async () => {
      const res = await tokenizeView({ tokenizers: [tok[name]], text: TEXTS.join('\n') })
      for (const text of TEXTS) {
        const [e] = (await tokenizeView({ tokenizers: [tok[name]], text })).entries
        const enc = await direct[name].encode(text, null, { addSpecialTokens: false })
        expect(e.tokens.map((t) => t.id)).toEqual(enc.getIds())
        expect(e.count).toBe(enc.getIds().length)
        expect(e.roundTrip).toBe(true)
        const prepends = tok[name].meta.metaspaceChar !== null && tok[name].meta.sections.normalizer !== null && JSON.stringify(tok[name].meta.sections.normalizer).includes('Prepend')
        for (const t of e.tokens) {
          // UTF-16 offsets are the code-point offsets converted
          expect(t.start16).toBe(utf16Index(text, t.start))
          expect(t.end16).toBe(utf16Index(text, t.end))
          // byte-fallback ⇔ a <0xNN> piece or bytes that are not complete UTF-8
          const bytePiece = /^<0x[0-9A-F]{2}>$/.test(t.token)
          expect(t.byteFallback).toBe(bytePiece || !validUtf8(t.bytes))
          expect(t.text === null).toBe(!validUtf8(t.bytes))
          if (t.byteFallback || t.special) continue
          // the slice of the JS string reproduces the token's text (Mistral's prepended ▁ aside)
          const s = slice(text, t)
          if (prepends && t.index === 0) expect(t.text).toBe(' ' + s)
          else expect(t.text).toBe(s)
        }
        // the bytes of all tokens put together are the text's UTF-8 (plus Mistral's prepended space)
        const all = Buffer.from(e.tokens.flatMap((t) => t.bytes))
        expect(all.equals(Buffer.from((prepends ? ' ' : '') + text))).toBe(true)
      }
      expect(res.entries[0].count).toBeGreaterThan(0)
    })
  }

  it('marks the ZWJ family emoji: llama3 splits it into byte pieces whose offsets stay on the emoji', async () => {
    const text = ZWJ_FAMILY
    const [e] = (await tokenizeView({ tokenizers: [tok.llama3], text })).entries
    expect(e.tokens.some((t) => t.byteFallback)).toBe(true)
    for (const t of e.tokens) {
      const piece = slice(text, t)
      expect(['👨', '\u200d', '👩', '👧', '👦']).toContain(piece)
    }
    expect(Buffer.from(e.tokens.flatMap((t) => t.bytes)).toString('utf8')).toBe(text)
  })

  it('makes whitespace visible and maps ▁ / Ġ to ␣', async () => {
    const text = 'a b\tc\nd'
    const r = await tokenizeView({ tokenizers: [tok.mistral, tok.llama3], text })
    const displays = r.entries.map((e) => e.tokens.map((t) => t.display).join(''))
    expect(displays[0]).toBe('␣a␣b⇥c⏎d') // Mistral prepends ▁ to the text
    expect(displays[1]).toBe('a␣b⇥c⏎d')
    expect(r.characters).toBe(7)
  })

  it('flags special tokens: post-processor BOS and added special tokens in the text', async () => {
    const r = await tokenizeView({ tokenizers: [tok.mistral], text: 'Hi', addSpecialTokens: true })
    const bos = r.entries[0].tokens[0]
    expect(bos).toMatchObject({ token: '<s>', special: true, start: 0, end: 0, start16: 0, end16: 0 })
    expect(r.entries[0].specialCount).toBe(1)
    const q = await tokenizeView({ tokenizers: [tok.qwen3], text: '<|im_start|>user hi<think>' })
    const [imStart, , , think] = q.entries[0].tokens
    expect(imStart).toMatchObject({ token: '<|im_start|>', special: true, added: true, start16: 0, end16: 12 })
    expect(think).toMatchObject({ token: '<think>', special: false, added: true, text: '<think>' })
  })

  it('flags unknown tokens (WordLevel tokenizer loaded from a loose .json file)', async () => {
    const r = await tokenizeView({ tokenizers: [tok.tiny], text: 'hello there 你 world' })
    const e = r.entries[0]
    expect(e.tokens.map((t) => t.token)).toEqual(['hello', '[UNK]', '你', 'world'])
    expect(e.tokens.map((t) => t.unknown)).toEqual([false, true, false, false])
    expect(e.unknownCount).toBe(1)
    expect(e.tokens[1]).toMatchObject({ start16: 6, end16: 11 })
    expect(tok.tiny.meta.alphabet).toBe('plain')
  })

  it('counts Mistral byte-fallback pieces on an emoji and keeps their bytes', async () => {
    const r = await tokenizeView({ tokenizers: [tok.mistral], text: '👨' })
    const pieces = r.entries[0].tokens.filter((t) => t.byteFallback)
    expect(pieces.map((t) => t.token)).toEqual(['<0xF0>', '<0x9F>', '<0x91>', '<0xA8>'])
    expect(pieces.flatMap((t) => t.bytes)).toEqual([0xf0, 0x9f, 0x91, 0xa8])
    expect(pieces.every((t) => t.display.startsWith('<0x') && t.text === null && t.start16 === 0 && t.end16 === 2)).toBe(true)
    expect(r.entries[0].byteFallbackCount).toBe(4)
  })

  it('lists only maxTokens tokens per tokenizer but counts them all; a set signal stops before encoding', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200)
    const full = await tokenizeView({ tokenizers: [tok.qwen3, tok.llama3], text })
    const r = await tokenizeView({ tokenizers: [tok.qwen3, tok.llama3], text, maxTokens: 50 })
    expect(r.entries.map((e) => e.tokens.length)).toEqual([50, 50])
    expect(r.entries.map((e) => e.count)).toEqual(full.entries.map((e) => e.count))
    expect(r.entries.every((e) => e.truncated && e.count > 1000)).toBe(true)
    expect(r.entries[0].tokens).toEqual(full.entries[0].tokens.slice(0, 50))
    const ac = new AbortController()
    ac.abort()
    await expect(tokenizeView({ tokenizers: [tok.qwen3], text, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
  })

  it('refuses a missing text', async () => {
    await expect(tokenizeView({ tokenizers: [tok.tiny], text: undefined as unknown as string })).rejects.toBeInstanceOf(GraftError)
  })
})
