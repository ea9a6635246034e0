import { describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { matchPattern, parseAdapterConfig, readAdapter } from './read-adapter'

const FILE = '/x/adapter/adapter_config.json'
const base = { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['q_proj'] }

function refusal(raw: Record<string, unknown>): GraftError {
  try {
    parseAdapterConfig(raw, FILE)
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError)
    return e as GraftError
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`)
}

describe('parseAdapterConfig: wrong types are refused, never defaulted', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ lora_alpha: '16' }, 'lora_alpha', 'a number'],
    [{ use_rslora: 'true' }, 'use_rslora', 'true or false'],
    [{ use_dora: 1 }, 'use_dora', 'true or false'],
    [{ fan_in_fan_out: 'yes' }, 'fan_in_fan_out', 'true or false'],
    [{ alpha_pattern: { q_proj: '32' } }, 'alpha_pattern', 'number'],
    [{ alpha_pattern: ['q_proj'] }, 'alpha_pattern', 'an object'],
    [{ rank_pattern: { q_proj: 2.5 } }, 'rank_pattern', 'positive integer'],
    [{ r: '8' }, '"r"', 'positive integer'],
    [{ r: 0 }, '"r"', 'positive integer'],
    [{ r: -8 }, '"r"', 'positive integer'],
    [{ r: 2.5 }, '"r"', 'positive integer'],
    [{ target_modules: 5 }, 'target_modules', 'list of module names'],
    [{ modules_to_save: 'lm_head' }, 'modules_to_save', 'a list'],
    [{ modules_to_save: ['lm_head', 3] }, 'modules_to_save', 'a list'],
    [{ trainable_token_indices: ['1'] }, 'trainable_token_indices', 'non-negative integers'],
  ]
  for (const [patch, field, expected] of cases) {
    it(`${JSON.stringify(patch)} → error naming the file, ${field} and ${expected}`, () => {
      const e = refusal({ ...base, ...patch })
      expect(e.file).toBe(FILE)
      expect(e.message).toContain(FILE)
      expect(e.message).toContain(field)
      expect(e.message).toContain(expected)
    })
  }

  it('keeps PEFT defaults for missing or null optional fields', () => {
    const c = parseAdapterConfig({ peft_type: 'LORA', lora_alpha: null, use_rslora: null, rank_pattern: null }, FILE)
    expect(c).toMatchObject({ r: 8, loraAlpha: 8, useRslora: false, useDora: false, fanInFanOut: false, rankPattern: {}, alphaPattern: {}, modulesToSave: [], targetModules: null })
  })

  it('accepts well-typed values, including target_modules as a regex string', () => {
    const c = parseAdapterConfig({ ...base, target_modules: '.*\\.(q|v)_proj', use_rslora: true, alpha_pattern: { v_proj: 4.5 }, rank_pattern: { v_proj: 4 } }, FILE)
    expect(c).toMatchObject({ r: 8, loraAlpha: 16, useRslora: true, alphaPattern: { v_proj: 4.5 }, rankPattern: { v_proj: 4 }, targetModules: '.*\\.(q|v)_proj' })
  })
})

describe('parseAdapterConfig: non-PEFT LoRA files say what they are', () => {
  it('MLX-LM', () => {
    const e = refusal({ fine_tune_type: 'lora', num_layers: 16, lora_parameters: { rank: 8, scale: 20, dropout: 0 } })
    expect(e.code).toBe('UNSUPPORTED_ADAPTER')
    expect(e.message).toMatch(/MLX-LM LoRA.*not a PEFT adapter/)
    expect(e.hint).toMatch(/mlx_lm\.fuse|PEFT/)
  })
  it('an MLX-LM folder with adapters.safetensors and no adapter_config.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-mlx-'))
    await writeFile(join(dir, 'adapters.safetensors'), '')
    await expect(readAdapter(dir)).rejects.toThrow(/MLX-LM LoRA/)
  })
  it('another LoRA format (JAX/qwix, custom)', () => {
    const e = refusal({ rank: 8, alpha: 16, module_path: '.*attn.*' })
    expect(e.message).toMatch(/LoRA in a non-PEFT format/)
    expect(e.message).not.toContain('undefined')
  })
})

describe('pattern keys cannot freeze Graft', () => {
  it('the hostile key ((\\w|\\.)*)*Z is answered in milliseconds', () => {
    const t0 = performance.now()
    expect(matchPattern({ '((\\w|\\.)*)*Z': 4 }, 'model.layers.0.self_attn.q_proj')).toBeUndefined()
    const c = parseAdapterConfig({ ...base, alpha_pattern: { '((\\w|\\.)*)*Z': 4 } }, FILE)
    expect(matchPattern(c.alphaPattern, 'model.layers.0.self_attn.q_proj' + '.x'.repeat(500))).toBeUndefined()
    expect(performance.now() - t0).toBeLessThan(1000)
  })
  it('a key outside the safe subset is refused naming adapter_config.json and the key', () => {
    const e = refusal({ ...base, rank_pattern: { '(?<=layers)\\.0': 4 } })
    expect(e.code).toBe('UNSUPPORTED_ADAPTER')
    expect(e.message).toContain(FILE)
    expect(e.message).toContain('rank_pattern')
    expect(e.message).toContain('(?<=layers)')
  })
})
