/**
 * Synthetic Llama-shaped checkpoints for the benchmark and the engine tests, written streaming:
 * the layout (header, offsets) is fixed first, then tensor bytes are written in bounded slices
 * from one reusable buffer, so a 13.5 GB model never sits in memory.
 */
import { open, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dtype } from '../src/shared/dtypes'
import { buildIndexJson, encodeShardHeader, layoutShards, type LayoutTensor } from '../src/core/safetensors/layout-shards'
import { writeSafetensorsFile, type InMemoryTensor } from '../src/core/safetensors/write-safetensors-file'

export interface LlamaShape {
  hidden: number
  intermediate: number
  layers: number
  vocab: number
  heads: number
  kvHeads: number
}

/** Llama-2-7B: 6.74 B parameters, ≈ 13.5 GB in bf16. */
export const LLAMA2_7B: LlamaShape = { hidden: 4096, intermediate: 11008, layers: 32, vocab: 32000, heads: 32, kvHeads: 32 }

/**
 * Llama-3-8B's vocabulary matrices (128,256 × 4,096 embedding and head, 1.05 GB each in bf16) with
 * two decoder layers (≈ 0.9 GB) around them: the vocabulary-resize benchmark's shape.
 */
export const LLAMA3_VOCAB: LlamaShape = { hidden: 4096, intermediate: 14336, layers: 2, vocab: 128256, heads: 32, kvHeads: 8 }

/** The linear layers of one decoder layer, with [out, in] shapes. */
export const LINEAR_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const

export function linearShape(s: LlamaShape, mod: (typeof LINEAR_MODULES)[number]): [number, number] {
  const headDim = s.hidden / s.heads
  switch (mod) {
    case 'q_proj':
    case 'o_proj':
      return [s.hidden, s.hidden]
    case 'k_proj':
    case 'v_proj':
      return [s.kvHeads * headDim, s.hidden]
    case 'gate_proj':
    case 'up_proj':
      return [s.intermediate, s.hidden]
    case 'down_proj':
      return [s.hidden, s.intermediate]
  }
}

export function modulePath(layer: number, mod: (typeof LINEAR_MODULES)[number]): string {
  const attn = mod === 'q_proj' || mod === 'k_proj' || mod === 'v_proj' || mod === 'o_proj'
  return `model.layers.${layer}.${attn ? 'self_attn' : 'mlp'}.${mod}`
}

/** Every tensor of a Llama checkpoint, in the order transformers saves them. */
export function llamaTensors(s: LlamaShape, dtype: Dtype = 'BF16'): LayoutTensor[] {
  const t: LayoutTensor[] = [{ name: 'model.embed_tokens.weight', dtype, shape: [s.vocab, s.hidden] }]
  for (let l = 0; l < s.layers; l++) {
    t.push({ name: `model.layers.${l}.input_layernorm.weight`, dtype, shape: [s.hidden] })
    for (const m of LINEAR_MODULES) t.push({ name: `${modulePath(l, m)}.weight`, dtype, shape: linearShape(s, m) })
    t.push({ name: `model.layers.${l}.post_attention_layernorm.weight`, dtype, shape: [s.hidden] })
  }
  t.push({ name: 'model.norm.weight', dtype, shape: [s.hidden] })
  t.push({ name: 'lm_head.weight', dtype, shape: [s.vocab, s.hidden] })
  return t
}

export function llamaBytes(s: LlamaShape, bytesPerParam = 2): number {
  const lin = LINEAR_MODULES.reduce((a, m) => a + linearShape(s, m)[0] * linearShape(s, m)[1], 0)
  return bytesPerParam * (2 * s.vocab * s.hidden + s.layers * (lin + 2 * s.hidden) + s.hidden)
}

/** A shape of about `gb` GB in bf16: Llama-2-7B widths scaled down, layers chosen to fit. */
export function shapeForSize(gb: number): LlamaShape {
  const base: LlamaShape = gb >= 4 ? { ...LLAMA2_7B, layers: 1 } : { hidden: 2048, intermediate: 5504, layers: 1, vocab: 32000, heads: 16, kvHeads: 16 }
  const one = llamaBytes(base)
  const perLayer = llamaBytes({ ...base, layers: 2 }) - one
  const layers = Math.max(1, Math.round((gb * 1e9 - (one - perLayer)) / perLayer))
  return { ...base, layers }
}

/** Deterministic bf16 "weights": roughly N(0, 0.02), no NaN/Inf, so merges compute real values. */
export function bf16Pattern(bytes: number, seed = 1): Uint8Array {
  const out = new Uint16Array(bytes >> 1)
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  let x = seed >>> 0 || 1
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    // Sum of 3 uniforms ≈ normal; scale to ~0.02.
    const r = ((x & 0x3ff) + ((x >>> 10) & 0x3ff) + ((x >>> 20) & 0x3ff)) / 1024 - 1.5
    f[0] = r * 0.035
    out[i] = u[0] >>> 16
  }
  return new Uint8Array(out.buffer)
}

export interface SyntheticModelOptions {
  dir: string
  tensors: LayoutTensor[]
  /** Split into shards of at most this many bytes (index written when more than one). */
  maxShardBytes?: number
  config?: Record<string, unknown>
  /** Extra small files (name → content). */
  files?: Record<string, string>
  onProgress?: (written: number, total: number) => void
}

const SLICE = 8 << 20

/** Writes a checkpoint streaming from one 8 MiB pattern buffer; memory stays constant. */
export async function writeSyntheticModel(opts: SyntheticModelOptions): Promise<{ bytes: number; files: string[] }> {
  await mkdir(opts.dir, { recursive: true })
  const layout = layoutShards({ tensors: opts.tensors, maxShardBytes: opts.maxShardBytes, metadata: { format: 'pt' } })
  const pattern = bf16Pattern(SLICE + 4096)
  let written = 0
  for (let i = 0; i < layout.shards.length; i++) {
    const shard = layout.shards[i]
    const fh = await open(join(opts.dir, shard.file), 'w')
    try {
      await fh.write(encodeShardHeader(layout.headers[i]), 0, undefined, 0)
      let k = 0
      for (const t of layout.tensors.filter((x) => x.shard === i).sort((a, b) => a.offset - b.offset)) {
        for (let done = 0; done < t.byteLength; done += SLICE) {
          const n = Math.min(SLICE, t.byteLength - done)
          // Vary the start so tensors differ; keep it even so bf16 values stay aligned.
          const start = ((k++ * 2654435761) >>> 0) % 2048 * 2
          await fh.write(pattern, start, n, t.offset + done)
          written += n
          opts.onProgress?.(written, layout.totalBytes)
        }
      }
      await fh.truncate(shard.size)
    } finally {
      await fh.close()
    }
  }
  if (layout.indexed) await writeFile(join(opts.dir, 'model.safetensors.index.json'), buildIndexJson(layout))
  await writeFile(join(opts.dir, 'config.json'), JSON.stringify(opts.config ?? { model_type: 'llama', architectures: ['LlamaForCausalLM'] }, null, 2) + '\n')
  for (const [name, content] of Object.entries(opts.files ?? {})) await writeFile(join(opts.dir, name), content)
  return { bytes: layout.totalBytes, files: layout.shards.map((s) => s.file) }
}

export function llamaConfig(s: LlamaShape): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    vocab_size: s.vocab,
    max_position_embeddings: 4096,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
  }
}

/** A PEFT LoRA adapter (rank r on every linear layer), small enough to build in memory. */
export async function writeLoraAdapter(opts: { dir: string; shape: LlamaShape; r?: number; alpha?: number }): Promise<{ bytes: number }> {
  const r = opts.r ?? 16
  await mkdir(opts.dir, { recursive: true })
  const tensors: InMemoryTensor[] = []
  let seed = 7
  for (let l = 0; l < opts.shape.layers; l++) {
    for (const m of LINEAR_MODULES) {
      const [out, inp] = linearShape(opts.shape, m)
      const p = `base_model.model.${modulePath(l, m)}`
      tensors.push({ name: `${p}.lora_A.weight`, dtype: 'BF16', shape: [r, inp], data: bf16Pattern(r * inp * 2, seed++) })
      tensors.push({ name: `${p}.lora_B.weight`, dtype: 'BF16', shape: [out, r], data: bf16Pattern(out * r * 2, seed++) })
    }
  }
  await writeSafetensorsFile({ path: join(opts.dir, 'adapter_model.safetensors'), tensors })
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r,
    lora_alpha: opts.alpha ?? 32,
    lora_dropout: 0,
    bias: 'none',
    target_modules: [...LINEAR_MODULES],
    base_model_name_or_path: 'synthetic/llama',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
  }
  await writeFile(join(opts.dir, 'adapter_config.json'), JSON.stringify(config, null, 2) + '\n')
  return { bytes: tensors.reduce((a, t) => a + t.data.byteLength, 0) }
}
