import { LLAMA2_7B, llamaConfig, llamaTensors, writeLoraAdapter, writeSyntheticModel } from '../synthetic-model'
const dir = process.argv[2]
const t = performance.now()
await writeSyntheticModel({ dir: dir + '/base', tensors: llamaTensors(LLAMA2_7B), config: llamaConfig(LLAMA2_7B), maxShardBytes: 5_000_000_000, files: { 'generation_config.json': '{"bos_token_id": 1, "eos_token_id": 2}\n' } })
await writeLoraAdapter({ dir: dir + '/adapter', shape: LLAMA2_7B, r: 16, alpha: 32 })
console.log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`)
