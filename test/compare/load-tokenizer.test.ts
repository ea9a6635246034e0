import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { clearTokenizerCache, loadTokenizer } from '../../src/core/compare/load-tokenizer'
import { bytesToEscapedText, codePointLength, codePointToUtf16Table, isCompleteUtf8, showWhitespace, utf8CharLength, utf8Length } from '../../src/core/compare/text-units'
import { countWords, findWords } from '../../src/core/compare/find-words'
import { fixtureDir } from './fixture-dirs'
import { referenceWords, writeTinyTokenizer } from './helpers'

const tmp = mkdtempSync(join(tmpdir(), 'graft-load-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('loadTokenizer', () => {
  it('loads a folder and describes it, and caches by path and modification time', async () => {
    const dir = join(tmp, 'mistral')
    mkdirSync(dir)
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(fixtureDir('mistral'), f), join(dir, f))
    const a = await loadTokenizer({ path: dir })
    expect(a.meta).toMatchObject({ name: 'mistral', modelType: 'BPE', alphabet: 'metaspace', metaspaceChar: '▁', byteFallback: true, unkToken: '<unk>', unkId: 0, vocabSize: 32000, size: 32000, chatTemplates: [] })
    expect(a.meta.specialTokens.roles.bos_token).toBe('<s>')
    expect(await loadTokenizer({ path: dir })).toBe(a)
    expect(await loadTokenizer({ path: join(dir, 'tokenizer.json') })).toBe(a)
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, 'tokenizer_config.json'), later, later)
    const b = await loadTokenizer({ path: dir })
    expect(b).not.toBe(a)
    clearTokenizerCache()
    expect(await loadTokenizer({ path: dir })).not.toBe(b)
  })

  it('loads a loose tokenizer .json file (no config)', async () => {
    const tiny = writeTinyTokenizer(tmp)
    const t = await loadTokenizer({ path: tiny.file })
    expect(t.meta).toMatchObject({ name: 'tiny.json', modelType: 'WordLevel', alphabet: 'plain', unkId: 0, configStyle: 'none' })
  })

  it('says what is wrong with a missing path or a folder without tokenizer.json', async () => {
    await expect(loadTokenizer({ path: join(tmp, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    mkdirSync(join(tmp, 'empty'))
    await expect(loadTokenizer({ path: join(tmp, 'empty') })).rejects.toMatchObject({ code: 'TOKENIZER', message: expect.stringMatching(/has no tokenizer\.json/) })
  })

  it('names tokenizer_config.json (chosen for tokenizer.json) as the wrong file, and points to its folder', async () => {
    const dir = join(tmp, 'cfg-chosen')
    mkdirSync(dir)
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(fixtureDir('mistral'), f), join(dir, f))
    const file = join(dir, 'tokenizer_config.json')
    await expect(loadTokenizer({ path: file })).rejects.toMatchObject({ code: 'TOKENIZER', message: `${file} is tokenizer_config.json, not a tokenizer.json.`, hint: expect.stringContaining(dir) })
  })
})

describe('text units and words', () => {
  it('converts code points to UTF-16 for astral characters and counts UTF-8', () => {
    const s = 'a😀b👨‍👩‍👧c'
    const t = codePointToUtf16Table(s)
    expect(t.length - 1).toBe([...s].length)
    expect(codePointLength(s)).toBe([...s].length)
    ;[...s].forEach((_, cp) => expect(t[cp]).toBe([...s].slice(0, cp).join('').length))
    expect(utf8Length(s)).toBe(Buffer.byteLength(s))
    expect(utf8Length('\ud800x')).toBe(Buffer.byteLength('\ud800x'))
  })

  it('checks UTF-8 sequences and spells broken bytes as <0xNN>', () => {
    expect(utf8CharLength([0xe4, 0xbd, 0xa0], 0)).toBe(3)
    expect(utf8CharLength([0xe4, 0xbd], 0)).toBe(0)
    expect(utf8CharLength([0xc0, 0x80], 0)).toBe(0) // overlong
    expect(utf8CharLength([0xed, 0xa0, 0x80], 0)).toBe(0) // surrogate
    expect(isCompleteUtf8(Buffer.from('héllo 😀'))).toBe(true)
    expect(bytesToEscapedText([0x20, 0xf0, 0x9f])).toBe(' <0xF0><0x9F>')
    expect(bytesToEscapedText([0xef, 0xbb, 0xbf, 0x41])).toBe('\ufeffA')
    expect(showWhitespace(' \t\n\r')).toBe('␣⇥⏎␍')
  })

  it('finds words as documented, agreeing with a regex-based reference', () => {
    const texts = ['Hello, world!', '机器学习是人工智能。', '日本語のテキスト カタカナ', '  a\u3000b\u00a0c\n', 'emoji😀 👨‍👩‍👧 ok', '𠀀𠀁 astral Han', '']
    for (const t of texts) {
      const { spans, count } = findWords(t)
      const ref = referenceWords(t)
      expect(count).toBe(ref.length)
      expect(Array.from(spans.subarray(0, count * 2))).toEqual(ref.flat())
    }
    expect(countWords('学习。 dog, cat')).toBe(5)
  })
})
