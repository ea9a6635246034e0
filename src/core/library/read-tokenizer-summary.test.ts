import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readTokenizerSummary } from './read-tokenizer-summary'
import { tokenizerJson } from './make-test-folders'

describe('readTokenizerSummary', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graft-tok-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('counts vocab plus added tokens as max id + 1', async () => {
    await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(10, ['<a>', '<b>']))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'LlamaTokenizer' }))
    expect(await readTokenizerSummary(dir)).toMatchObject({ length: 12, modelType: 'BPE', tokenizerClass: 'LlamaTokenizer', addedTokens: 2 })
  })

  it('handles Unigram vocab lists and added tokens already inside the vocab', async () => {
    const vocab = [['<unk>', 0], ['a', -1], ['b', -2]]
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'Unigram', vocab }, added_tokens: [{ id: 0, content: '<unk>' }] }))
    expect((await readTokenizerSummary(dir))?.length).toBe(3)
  })

  it('falls back to vocab.json + added_tokens.json', async () => {
    await writeFile(join(dir, 'vocab.json'), JSON.stringify({ a: 0, b: 1, c: 2 }))
    await writeFile(join(dir, 'added_tokens.json'), JSON.stringify({ '<x>': 3 }))
    expect(await readTokenizerSummary(dir)).toMatchObject({ length: 4, addedTokens: 1 })
  })

  it('returns null without tokenizer files and a TOKENIZER error for bad ones', async () => {
    expect(await readTokenizerSummary(dir)).toBeNull()
    await writeFile(join(dir, 'tokenizer.json'), '{"model": {}}')
    await expect(readTokenizerSummary(dir)).rejects.toMatchObject({ code: 'TOKENIZER' })
    await writeFile(join(dir, 'tokenizer.json'), '{oops')
    await expect(readTokenizerSummary(dir)).rejects.toMatchObject({ code: 'TOKENIZER' })
  })
})
