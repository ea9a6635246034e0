import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { summarizeModel } from './summarize-model'
import { makeTinyAdapter, makeTinyModel } from './make-test-folders'

describe('summarizeModel', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-sum-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('returns the entry, config and every tensor of a model', async () => {
    await makeTinyModel(join(root, 'm'), { vocab: 10 })
    const s = await summarizeModel({ path: join(root, 'm') })
    expect(s.entry).toMatchObject({ kind: 'model', vocabSize: 10 })
    expect(s.config).toMatchObject({ model_type: 'llama', vocab_size: 10 })
    expect(s.tensors.map((t) => t.name).sort()).toEqual(['lm_head.weight', 'model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.norm.weight'])
    expect(s.tensors.find((t) => t.name === 'lm_head.weight')).toEqual({ name: 'lm_head.weight', dtype: 'BF16', shape: [10, 4], bytes: 80, file: 'model.safetensors' })
  })

  it('summarises an adapter with its adapter_config.json and raw tensor names', async () => {
    await makeTinyAdapter(join(root, 'a'))
    const s = await summarizeModel({ path: join(root, 'a') })
    expect(s.config).toMatchObject({ peft_type: 'LORA' })
    expect(s.tensors.some((t) => t.name === 'base_model.model.model.embed_tokens.weight')).toBe(true)
  })

  it('throws coded errors for missing and unrecognised folders', async () => {
    await expect(summarizeModel({ path: join(root, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await mkdir(join(root, 'empty'))
    await expect(summarizeModel({ path: join(root, 'empty') })).rejects.toMatchObject({ code: 'NOT_A_MODEL' })
  })
})
