import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previewTokens, previewWarnings } from './preview-tokens'
import { fixtureDir } from '../../../test/compare/fixture-dirs'

/** The demo base: Mistral-7B's tokenizer (SentencePiece-style BPE, 32,000 pieces). */
const DEMO = fileURLToPath(new URL('../../../resources/demo/base', import.meta.url))
const word = (content: string) => ({ content, special: false })

describe('previewTokens', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'graft-preview-'))
  })
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true })
  })

  it('a tokenizer.model-only folder has no preview, and the error says the plan still works', async () => {
    const dir = join(tmp, 'spm-only')
    await mkdir(dir)
    await writeFile(join(dir, 'tokenizer.model'), await readFile(fileURLToPath(new URL('../../../test/fixtures/sentencepiece/tiny-bpe.model', import.meta.url))))
    const err = (await previewTokens({ dir, tokens: [word('<x>')], text: 'a <x>' }).then(
      () => null,
      (e: unknown) => e,
    )) as { message: string; hint?: string }
    expect(err.message).toContain('only a SentencePiece tokenizer.model')
    expect(err.hint).toContain('Review plan adds them')
  })

  it('describes each token as the Compare screen does: byte-level pieces decoded, not Ġ/mojibake', async () => {
    const p = await previewTokens({ dir: fixtureDir('llama3'), tokens: [{ content: '<think>', special: true }], text: 'new tokens <think> Καλημέρα 👋' })
    expect(p.before.tokens).toContain('Ġtokens')
    const before = p.view!.before
    expect(before.map((t) => t.display).slice(0, 2)).toEqual(['new', '␣tokens'])
    expect(before.map((t) => t.display).join('')).not.toMatch(/[ĠÎ]/)
    // The emoji is split into byte pieces: shown as bytes, flagged, never as mojibake.
    expect(before.some((t) => t.byteFallback && /<0x[0-9A-F]{2}>/.test(t.display))).toBe(true)
    const think = p.view!.after.find((t) => t.token === '<think>')!
    expect(think).toMatchObject({ id: 128256, special: true, added: true, display: '<think>' })
    expect(p.view!.after.length).toBeLessThan(before.length)
  })

  it('mode "vocab": the new words become one token each, with their pieces and merges listed', async () => {
    const p = await previewTokens({ dir: DEMO, tokens: [word(' Graftwork'), word(' καλημέρα'), word('work')], text: 'Graftwork says καλημέρα', mode: 'vocab' })
    expect(p.before.tokens.length).toBeGreaterThan(5)
    expect(p.after.tokens).toEqual(['▁Graftwork', '▁says', '▁καλημέρα'])
    expect(p.after.ids[0]).toBeGreaterThanOrEqual(32000)
    expect(p.oldSize).toBe(32000)
    expect(p.newSize).toBe(32000 + p.added.length)
    expect(p.added.filter((a) => a.role === 'requested').map((a) => a.content)).toEqual(['▁Graftwork', '▁καλημέρα'])
    expect(p.added.find((a) => a.content === '▁Graft')?.role).toBe('intermediate')
    expect(p.vocab?.merges[0]).toEqual(['▁G', 'raft'])
    expect(p.vocab?.tokens.map((t) => [t.content, t.piece, t.reachable])).toEqual([
      [' Graftwork', '▁Graftwork', true],
      [' καλημέρα', '▁καλημέρα', true],
    ])
    expect(p.vocab?.tokens[0].before).toEqual(['▁G', 'raft', 'work'])
    expect(p.skipped).toEqual([{ content: 'work', reason: 'in-vocab' }])
  })

  it('mode "added" (the default) adds added tokens and reports no vocabulary extension', async () => {
    const p = await previewTokens({ dir: DEMO, tokens: [word('Graftwork')], text: 'Graftwork says' })
    expect(p.after.ids).toEqual([32000, p.before.ids[p.before.ids.length - 1]])
    expect(p.added).toEqual([{ content: 'Graftwork', id: 32000, special: false }])
    expect(p.vocab).toBeUndefined()
  })

  it('mode "vocab" reports tokens ordinary tokenization would not produce instead of refusing them', async () => {
    // BPE dropout 1.0 skips every merge, so no new piece is ever produced.
    const j = JSON.parse(await readFile(join(DEMO, 'tokenizer.json'), 'utf8'))
    j.model.dropout = 1.0
    const dir = join(tmp, 'dropout')
    await mkdir(dir)
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(j))
    const p = await previewTokens({ dir, tokens: [word(' xylophone')], text: 'a xylophone', mode: 'vocab' })
    expect(p.vocab?.tokens[0]).toMatchObject({ content: ' xylophone', reachable: false, probe: 'xylophone' })
    expect(p.warnings.join('\n')).not.toMatch(/Kept 1 token/)
  })

  it('mode "vocab" refuses a tokenizer that is not BPE, saying what to do instead', async () => {
    const dir = join(tmp, 'wordlevel')
    await mkdir(dir)
    const wl = { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 1 }, unk_token: '[UNK]' } }
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(wl))
    await expect(previewTokens({ dir, tokens: [word('b')], text: 'a b', mode: 'vocab' })).rejects.toMatchObject({ code: 'TOKENIZER', message: expect.stringContaining('WordLevel'), hint: expect.stringContaining('added tokens instead') })
  })
})

describe('previewWarnings', () => {
  it('drops the "kept (force)" note and says what the plan does with tokenizer.model', () => {
    const w = previewWarnings(['Kept 2 token(s) that normal tokenization does not produce (force): "a", "b".', 'tokenizer.model was NOT updated: …', 'Other.'])
    expect(w[0]).toBe('Other.')
    expect(w[1]).toMatch(/^tokenizer\.model \(the slow SentencePiece tokenizer\) gets the same pieces/)
    expect(w).toHaveLength(2)
  })
})
