import { describe, expect, it } from 'vitest'
import type { LibraryEntry } from '../../../../shared/api'
import { describeBase } from './describe-base'

const entry = (over: Partial<LibraryEntry>): LibraryEntry => ({
  path: '/m/base',
  kind: 'model',
  origin: 'folder',
  name: 'base',
  architecture: 'LlamaForCausalLM',
  modelType: 'llama',
  paramCount: 1_200_000,
  dtype: 'BF16',
  vocabSize: 32000,
  embedRows: 32000,
  tied: false,
  shardCount: 1,
  sizeBytes: 4_130_000,
  ...over,
})

describe('describeBase', () => {
  it('summarizes a usable base in one line', () => {
    const r = describeBase('/m/base', { entry: entry({}) })
    expect(r).toEqual({ ok: true, text: '✓ LlamaForCausalLM · 1.20M parameters · vocab 32,000 · BF16 · 1 shard · 4.13 MB' })
  })
  it('mentions embedding rows only when they differ from the vocabulary', () => {
    const r = describeBase('/m/base', { entry: entry({ embedRows: 32003, shardCount: 2 }) })
    expect(r.ok && r.text).toContain('embedding 32,003 rows · BF16 · 2 shards')
  })
  it('names an adapter as an adapter, with the base it names', () => {
    const r = describeBase('/m/ad', { entry: entry({ kind: 'adapter', adapter: { baseModel: 'org/tiny', r: 8, targetModules: null, useDora: false, modulesToSave: [] } }) })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.message).toBe('/m/ad is a PEFT adapter (adapter_config.json), not a base model.')
      expect(r.hint).toContain('Put it under Adapters')
      expect(r.hint).toContain('org/tiny')
    }
  })
  it('names a tokenizer-only folder', () => {
    const r = describeBase('/m/tok', { entry: entry({ kind: 'tokenizer' }) })
    expect(r.ok === false && r.message).toBe('/m/tok holds only a tokenizer, no model weights.')
  })
  it('passes the inspect error through (a missing folder says so)', () => {
    const r = describeBase('/nope', { error: { code: 'NOT_FOUND', message: '/nope does not exist.', hint: 'Check the path.' } })
    expect(r).toEqual({ ok: false, message: '/nope does not exist.', hint: 'Check the path.' })
  })
})
