import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { adapterDeltaNorms } from './adapter-delta-norms'
import { matmul, randn, tempDir, writeAdapter } from '../../../test/helpers/tiny-model'

describe('adapterDeltaNorms', () => {
  it('equals ‖s·B·A‖_F computed directly', async () => {
    const A = randn(3 * 5, 1, 0.3).map(Math.fround)
    const B = randn(4 * 3, 2, 0.3).map(Math.fround)
    const dir = await writeAdapter(join(await tempDir(), 'ad'), {
      'base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [3, 5], values: A },
      'base_model.model.model.layers.7.self_attn.q_proj.lora_B.weight': { dtype: 'F32', shape: [4, 3], values: B },
    }, { r: 3, lora_alpha: 6 })
    const [n] = await adapterDeltaNorms({ dir })
    const P = matmul(B, A, 4, 3, 5)
    const want = 2 * Math.sqrt(P.reduce((a, x) => a + x * x, 0))
    expect(n.layer).toBe(7)
    expect(n.norm).toBeCloseTo(want, 5)
  })

  it('covers Embedding LoRA (lora_embedding_A (r, vocab), lora_embedding_B (dim, r)) and a zero B', async () => {
    const A = randn(2 * 6, 3, 0.5).map(Math.fround)
    const B = randn(4 * 2, 4, 0.5).map(Math.fround)
    const dir = await writeAdapter(join(await tempDir(), 'ad'), {
      'base_model.model.model.embed_tokens.lora_embedding_A': { dtype: 'F32', shape: [2, 6], values: A },
      'base_model.model.model.embed_tokens.lora_embedding_B': { dtype: 'F32', shape: [4, 2], values: B },
      'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight': { dtype: 'F32', shape: [2, 6], values: A },
      'base_model.model.model.layers.0.mlp.up_proj.lora_B.weight': { dtype: 'F32', shape: [4, 2], values: new Array(8).fill(0) },
    }, { r: 2, lora_alpha: 2 })
    const norms = await adapterDeltaNorms({ dir })
    const emb = norms.find((n) => n.kind === 'embedding')!
    const P = matmul(B, A, 4, 2, 6)
    expect(emb.norm).toBeCloseTo(Math.sqrt(P.reduce((a, x) => a + x * x, 0)), 5)
    expect(norms.find((n) => n.module.endsWith('up_proj'))!.norm).toBe(0)
  })
})
