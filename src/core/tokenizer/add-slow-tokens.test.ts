import { describe, expect, it } from 'vitest'
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { addSlowTokens } from './add-slow-tokens'

/** A real 300-piece SentencePiece BPE model. */
const SPM = fileURLToPath(new URL('../../../test/fixtures/sentencepiece/tiny-bpe.model', import.meta.url))

async function folder(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'graft-slow-'))
  await copyFile(SPM, join(dir, 'tokenizer.model'))
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), JSON.stringify(data, null, 2) + '\n')
  return dir
}

describe('addSlowTokens (tokenizer.model only)', () => {
  it('numbers new tokens after the pieces and after added tokens above them, skipping known ones', async () => {
    const dir = await folder({ 'added_tokens.json': { '<extra>': 300 } })
    const r = await addSlowTokens({ dir, tokens: [{ content: '<extra>', special: true }, { content: '<x>', special: true }, { content: 'he', special: false }, { content: '<x>', special: true }] })
    expect(r.pieces).toBe(300)
    expect(r.oldSize).toBe(301)
    expect(r.added.map((a) => [a.content, a.id])).toEqual([['<x>', 301]])
    expect(r.skipped.map((s) => s.reason)).toEqual(['already-added', 'in-vocab', 'repeated'])
    expect(JSON.parse(r.files.find((f) => f.path === 'added_tokens.json')!.content)).toEqual({ '<extra>': 300, '<x>': 301 })
    expect(JSON.parse(r.files.find((f) => f.path === 'special_tokens_map.json')!.content)).toEqual({ additional_special_tokens: ['<x>'] })
  })

  it('with added_tokens_decoder: writes the decoder (flags kept) and no added_tokens.json', async () => {
    const dir = await folder({ 'tokenizer_config.json': { added_tokens_decoder: { '1': { content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true } }, tokenizer_class: 'InternLM2Tokenizer' } })
    const r = await addSlowTokens({ dir, tokens: [{ content: '<t>', special: false, normalized: false, lstrip: true }] })
    expect(r.files.map((f) => f.path)).toEqual(['tokenizer_config.json'])
    expect(JSON.parse(r.files[0].content).added_tokens_decoder['300']).toEqual({ content: '<t>', lstrip: true, normalized: false, rstrip: false, single_word: false, special: false })
    expect(r.warnings).toEqual([])
  })

  it('a tokenizer.model that is not a SentencePiece proto (tiktoken text) is refused with what to do', async () => {
    const dir = await folder({ 'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizer' } })
    await writeFile(join(dir, 'tokenizer.model'), 'IQ== 0\nIg== 1\n')
    await expect(addSlowTokens({ dir, tokens: [{ content: '<t>', special: true }] })).rejects.toThrow(/is not a SentencePiece model/)
  })

  it('warns that added_tokens.json loses non-default flags', async () => {
    const dir = await folder({})
    const r = await addSlowTokens({ dir, tokens: [{ content: '<t>', special: false, lstrip: true }] })
    expect(r.warnings[0]).toContain('flags of "<t>"')
  })
})
