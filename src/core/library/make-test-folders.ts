import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dtype } from '../../shared/dtypes'
import { tensorByteLength } from '../safetensors/layout-shards'
import { writeSafetensorsFile, type InMemoryTensor } from '../safetensors/write-safetensors-file'

/** Test support: tiny Llama-shaped folders written with the real safetensors writer. */

function zeros(name: string, dtype: Dtype, shape: number[]): InMemoryTensor {
  return { name, dtype, shape, data: new Uint8Array(tensorByteLength(dtype, shape)) }
}

export function tokenizerJson(vocab: number, added: string[] = []): string {
  const v: Record<string, number> = {}
  for (let i = 0; i < vocab; i++) v[`t${i}`] = i
  return JSON.stringify({
    version: '1.0',
    added_tokens: added.map((content, i) => ({ id: vocab + i, content, special: false })),
    model: { type: 'BPE', vocab: v, merges: [] },
  })
}

export async function makeTinyModel(dir: string, opts: { vocab?: number; hidden?: number; tie?: boolean; dtype?: Dtype; tokenizer?: boolean } = {}): Promise<void> {
  const { vocab = 16, hidden = 4, tie = false, dtype = 'BF16', tokenizer = true } = opts
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: vocab, hidden_size: hidden, num_hidden_layers: 1, tie_word_embeddings: tie, torch_dtype: 'bfloat16' }),
  )
  const tensors = [zeros('model.embed_tokens.weight', dtype, [vocab, hidden]), zeros('model.layers.0.self_attn.q_proj.weight', dtype, [hidden, hidden]), zeros('model.norm.weight', 'F32', [hidden])]
  if (!tie) tensors.push(zeros('lm_head.weight', dtype, [vocab, hidden]))
  await writeSafetensorsFile({ path: join(dir, 'model.safetensors'), tensors })
  if (tokenizer) {
    await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(vocab))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'LlamaTokenizerFast' }))
  }
}

export async function makeTinyAdapter(dir: string, opts: { vocab?: number; added?: number; hidden?: number; r?: number } = {}): Promise<void> {
  const { vocab = 16, added = 3, hidden = 4, r = 2 } = opts
  const rows = vocab + added
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r, lora_alpha: 2 * r, target_modules: ['q_proj'], modules_to_save: ['embed_tokens', 'lm_head'], base_model_name_or_path: 'tiny/base' }),
  )
  await writeSafetensorsFile({
    path: join(dir, 'adapter_model.safetensors'),
    tensors: [
      zeros('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'F32', [r, hidden]),
      zeros('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', 'F32', [hidden, r]),
      zeros('base_model.model.model.embed_tokens.weight', 'F32', [rows, hidden]),
      zeros('base_model.model.lm_head.weight', 'F32', [rows, hidden]),
    ],
  })
  await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(vocab, Array.from({ length: added }, (_, i) => `<new${i}>`)))
}
