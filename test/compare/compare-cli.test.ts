import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { compareCommand } from '../../src/cli/commands/compare'
import { loadTokenizer } from '../../src/core/compare/load-tokenizer'
import { fixtureDir } from './fixture-dirs'
import { writeTinyTokenizer } from './helpers'

const tmp = mkdtempSync(join(tmpdir(), 'graft-cli-'))
const tiny = writeTinyTokenizer(tmp)
const MISTRAL = fixtureDir('mistral')
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let out = ''
let err = ''
beforeEach(() => {
  out = ''
  err = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true))
})
afterEach(() => vi.restoreAllMocks())

describe('graft compare', () => {
  it('prints a metrics table and exits 0', async () => {
    const code = await compareCommand([MISTRAL, tiny.folder, '--text', 'hello world, 你好 😀'])
    expect(code).toBe(0)
    expect(out).toMatch(/A: mistral\s+B: tiny/)
    const direct = (await loadTokenizer({ path: MISTRAL })).tokenizer
    const n = (await direct.encode('hello world, 你好 😀', null, { addSpecialTokens: false })).getIds().length
    expect(out).toMatch(new RegExp(`^tokens\\s+${n}\\s+5$`, 'm')) // tiny: hello world [UNK](,) [UNK](你好) [UNK](😀)
    expect(out).toMatch(/^unknown\s+0\s+3$/m)
    expect(out).toMatch(/fertility/)
  })

  it('--json prints one JSON object with the metrics, vocabulary diffs and chat renders', async () => {
    const chat = join(tmp, 'chat.json')
    writeFileSync(chat, JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }))
    const withTemplate = join(tmp, 'tiny-chat')
    mkdirSync(withTemplate)
    copyFileSync(join(tiny.folder, 'tokenizer.json'), join(withTemplate, 'tokenizer.json'))
    writeFileSync(join(withTemplate, 'chat_template.jinja'), '{% for m in messages %}{{ m.content }}{% endfor %}')
    const code = await compareCommand([tiny.folder, withTemplate, '--text', 'hello world', '--diff', '--chat', chat, '--json'])
    const res = JSON.parse(out)
    expect(res.type).toBe('compare')
    expect(res.metrics.total.perTokenizer.map((m: { tokens: number }) => m.tokens)).toEqual([2, 2])
    expect(res.diffs[0].jaccard).toBe(1)
    expect(res.chats[0]).toMatchObject({ ok: false, error: { code: 'TOKENIZER' } })
    expect(res.chats[1]).toMatchObject({ ok: true, result: { text: 'Hi' } })
    expect(code).toBe(1) // one tokenizer had no chat template
  })

  it('--diff prints the vocabulary summary; --corpus reads a folder', async () => {
    const corpus = join(tmp, 'corpus')
    mkdirSync(corpus)
    writeFileSync(join(corpus, 'a.txt'), 'hello world\nabc.\n')
    writeFileSync(join(corpus, 'b.jsonl'), '{"text": "world hello", "lang": "en"}\n')
    expect(await compareCommand([MISTRAL, tiny.folder, '--corpus', corpus, '--diff'])).toBe(0)
    expect(out).toMatch(/Corpus .* \(2 files\): 3 documents/)
    expect(out).toMatch(/Vocabulary: mistral vs tiny/)
    expect(out).toMatch(/Jaccard 0\.\d{4}/)
    expect(out).toMatch(/lang en/)
  })

  it('exits 2 on bad usage', async () => {
    expect(await compareCommand([MISTRAL, '--text', 'x'])).toBe(2)
    expect(await compareCommand([MISTRAL, MISTRAL, MISTRAL, MISTRAL, MISTRAL, '--text', 'x'])).toBe(2)
    expect(await compareCommand([MISTRAL, tiny.folder, '--text', 'x', '--corpus', tmp])).toBe(2)
    expect(await compareCommand([MISTRAL, tiny.folder])).toBe(2)
    expect(await compareCommand([MISTRAL, tiny.folder, '--text', 'x', '--bogus'])).toBe(2)
    expect(err).toMatch(/Usage: graft compare/)
  })

  it('exits 1 when a tokenizer or the corpus is missing or broken', async () => {
    expect(await compareCommand([MISTRAL, join(tmp, 'missing'), '--text', 'x'])).toBe(1)
    expect(err).toMatch(/NOT_FOUND/)
    expect(await compareCommand([MISTRAL, tiny.folder, '--corpus', join(tmp, 'no-corpus')])).toBe(1)
    const bad = join(tmp, 'bad.json')
    writeFileSync(bad, '{"not": "a conversation"}')
    expect(await compareCommand([MISTRAL, tiny.folder, '--chat', bad])).toBe(1)
    expect(await compareCommand([MISTRAL, tiny.folder, '--text', 'x', '--json', '--chat', join(tmp, 'missing.json')])).toBe(1)
    expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toMatchObject({ type: 'error', error: { code: 'NOT_FOUND' } })
  })
})
