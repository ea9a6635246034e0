import { open, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeShardHeader, layoutShards, type LayoutTensor } from '../../src/core/safetensors/layout-shards'
import { writeSafetensorsFile, type InMemoryTensor } from '../../src/core/safetensors/write-safetensors-file'

/**
 * A Llama-shaped base and a high-rank LoRA adapter that take several seconds to merge on a small
 * machine, for the "cancel a running merge" test. The base is a sparse file (a real header, zero
 * weights: nothing to write but the header), so it costs no disk and no time to create; the merge
 * still computes s·B·A for every weight and writes every output byte (about 200 MB: long enough to
 * cancel mid-run even on a fast machine; the test cancels it within a second or two).
 */
export const SLOW = { hidden: 1024, intermediate: 2816, layers: 8, vocab: 1024, r: 256 }

const MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const

function shapeOf(m: (typeof MODULES)[number]): [number, number] {
  const { hidden: h, intermediate: i } = SLOW
  return m === 'gate_proj' || m === 'up_proj' ? [i, h] : m === 'down_proj' ? [h, i] : [h, h]
}
const pathOf = (l: number, m: (typeof MODULES)[number]) => `model.layers.${l}.${m.endsWith('_proj') && ['gate_proj', 'up_proj', 'down_proj'].includes(m) ? 'mlp' : 'self_attn'}.${m}`

/** Small deterministic bf16 values (≈ ±0.01), so the merged weights are finite and non-zero. */
function bf16Values(n: number, seed: number): Uint8Array {
  const out = new Uint16Array(n)
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    f[0] = ((x & 0xffff) / 0xffff - 0.5) * 0.02
    out[i] = u[0] >>> 16
  }
  return new Uint8Array(out.buffer)
}

export async function makeSlowModel(root: string): Promise<{ base: string; adapter: string }> {
  const base = join(root, 'slow-base')
  const adapter = join(root, 'slow-adapter')
  await mkdir(base, { recursive: true })
  await mkdir(adapter, { recursive: true })
  const { hidden, vocab, layers, r } = SLOW
  const tensors: LayoutTensor[] = [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [vocab, hidden] }]
  for (let l = 0; l < layers; l++) {
    tensors.push({ name: `model.layers.${l}.input_layernorm.weight`, dtype: 'BF16', shape: [hidden] })
    for (const m of MODULES) tensors.push({ name: `${pathOf(l, m)}.weight`, dtype: 'BF16', shape: shapeOf(m) })
    tensors.push({ name: `model.layers.${l}.post_attention_layernorm.weight`, dtype: 'BF16', shape: [hidden] })
  }
  tensors.push({ name: 'model.norm.weight', dtype: 'BF16', shape: [hidden] }, { name: 'lm_head.weight', dtype: 'BF16', shape: [vocab, hidden] })
  const layout = layoutShards({ tensors, metadata: { format: 'pt' } })
  const fh = await open(join(base, 'model.safetensors'), 'w')
  try {
    await fh.write(encodeShardHeader(layout.headers[0]), 0, undefined, 0)
    await fh.truncate(layout.shards[0].size)
  } finally {
    await fh.close()
  }
  await writeFile(
    join(base, 'config.json'),
    JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: hidden, intermediate_size: SLOW.intermediate, num_hidden_layers: layers, num_attention_heads: 8, num_key_value_heads: 8, vocab_size: vocab, tie_word_embeddings: false, torch_dtype: 'bfloat16' }, null, 2),
  )
  const ad: InMemoryTensor[] = []
  let seed = 11
  for (let l = 0; l < layers; l++)
    for (const m of MODULES) {
      const [out, inp] = shapeOf(m)
      ad.push({ name: `base_model.model.${pathOf(l, m)}.lora_A.weight`, dtype: 'BF16', shape: [r, inp], data: bf16Values(r * inp, seed++) })
      ad.push({ name: `base_model.model.${pathOf(l, m)}.lora_B.weight`, dtype: 'BF16', shape: [out, r], data: bf16Values(out * r, seed++) })
    }
  await writeSafetensorsFile({ path: join(adapter, 'adapter_model.safetensors'), tensors: ad })
  await writeFile(
    join(adapter, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r, lora_alpha: r, lora_dropout: 0, bias: 'none', target_modules: [...MODULES], base_model_name_or_path: 'e2e/slow-base', use_rslora: false, use_dora: false }, null, 2),
  )
  return { base, adapter }
}
