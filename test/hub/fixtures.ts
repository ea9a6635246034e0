import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FakeRepo } from './fake-hub'
import type { HubConfig } from '../../src/core/hub/hub-config'

/** A valid safetensors file: one F32 tensor of `n` floats (i * 0.5). */
export function safetensors(n: number, name = 'w'): Buffer {
  const header = Buffer.from(JSON.stringify({ [name]: { dtype: 'F32', shape: [n], data_offsets: [0, n * 4] } }))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(header.length))
  const data = Buffer.alloc(n * 4)
  for (let i = 0; i < n; i++) data.writeFloatLE(i * 0.5, i * 4)
  return Buffer.concat([len, header, data])
}

export const TOKEN = 'hf_testtokenALICE0123456789'
export const OTHER_TOKEN = 'hf_testtokenBOB0123456789'

export const DEMO_SHA = 'a'.repeat(40)

/** A small model repo: LFS weights (200 KB), configs, tokenizer files, a card and a pickle. */
export function demoRepo(id = 'graft-test/tiny-llama'): FakeRepo {
  return {
    id,
    sha: DEMO_SHA,
    downloads: 1234,
    likes: 56,
    tags: ['safetensors', 'llama', 'text-generation', 'transformers'],
    library_name: 'transformers',
    pipeline_tag: 'text-generation',
    safetensors: { parameters: { F32: 50_000 }, total: 50_000 },
    cardData: { license: 'apache-2.0' },
    files: [
      { path: '.gitattributes', content: Buffer.from('*.safetensors filter=lfs diff=lfs merge=lfs -text\n') },
      { path: 'README.md', content: Buffer.from('# tiny llama\n') },
      { path: 'config.json', content: Buffer.from(JSON.stringify({ model_type: 'llama', vocab_size: 32, hidden_size: 8 })) },
      { path: 'generation_config.json', content: Buffer.from('{}') },
      { path: 'tokenizer.json', content: Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { a: 0 } } })) },
      { path: 'tokenizer_config.json', content: Buffer.from('{"model_max_length": 64}') },
      { path: 'merges.txt', content: Buffer.from('#version: 0.2\na b\n') },
      { path: 'model.safetensors', content: safetensors(50_000) },
      { path: 'pytorch_model.bin', content: Buffer.from('PK pickle bytes') },
      { path: 'sub/extra.json', content: Buffer.from('{"nested": true}') },
    ],
  }
}

export function adapterRepo(id = 'graft-test/tiny-lora', base = 'graft-test/tiny-llama'): FakeRepo {
  return {
    id,
    downloads: 10,
    likes: 1,
    tags: ['peft', 'safetensors', 'lora'],
    library_name: 'peft',
    files: [
      { path: 'adapter_config.json', content: Buffer.from(JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 8, base_model_name_or_path: base, target_modules: ['q_proj'] })) },
      { path: 'adapter_model.safetensors', content: safetensors(64, 'base_model.model.q_proj.lora_A.weight') },
    ],
  }
}

export async function tempDir(prefix = 'graft-hub-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export function testConfig(endpoint: string, cacheDir: string, over: Partial<HubConfig> = {}): HubConfig {
  return { endpoint, offline: false, offlineReason: null, token: null, tokenSource: null, tokenPath: null, cacheDir, ...over }
}

/** statfs that reports plenty of space. */
export const bigDisk = async () => ({ bavail: 1e12, bsize: 1 })
