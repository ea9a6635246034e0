import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Dtype } from '../../src/shared/dtypes'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { planOperation } from '../../src/core/ops/operations'
import { runOperation } from '../../src/core/ops/run-operation'
import { randn, readModel, refRound, tempDir, writeAdapter, writeModel, type T } from '../helpers/tiny-model'

const V = 12
const H = 8
const Q = 'model.layers.0.self_attn.q_proj.weight'
const PREFIX = 'base_model.model.model.layers.0.self_attn.q_proj'

function t(dtype: Dtype, shape: number[], seed: number, scale = 0.5): T {
  return { dtype, shape, values: randn(shape.reduce((a, b) => a * b, 1), seed, scale).map((v) => refRound(dtype, v)) }
}

async function base(dir: string, edit?: (tensors: Record<string, T>) => void): Promise<string> {
  const tensors: Record<string, T> = {
    'model.embed_tokens.weight': t('BF16', [V, H], 1),
    [Q]: t('BF16', [H, H], 2),
    'model.norm.weight': t('BF16', [H], 3),
    'lm_head.weight': t('BF16', [V, H], 4),
  }
  edit?.(tensors)
  return writeModel(dir, tensors, { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, hidden_size: H, tie_word_embeddings: false, torch_dtype: 'bfloat16' })
}

/** A LoRA adapter on q_proj (rank r), with a hook to plant bad values. */
async function adapter(dir: string, opts: { r?: number; alpha?: number; editA?: (v: number[]) => void; editB?: (v: number[]) => void } = {}): Promise<string> {
  const r = opts.r ?? 2
  const A = t('F32', [r, H], 10, 0.1)
  const B = t('F32', [H, r], 11, 0.1)
  opts.editA?.(A.values)
  opts.editB?.(B.values)
  return writeAdapter(dir, { [`${PREFIX}.lora_A.weight`]: A, [`${PREFIX}.lora_B.weight`]: B }, { r, lora_alpha: opts.alpha ?? 4, target_modules: ['q_proj'] })
}

async function merge(baseDir: string, adapterDir: string, out: string, opts: { allowNonFinite?: boolean; overwrite?: boolean } = {}) {
  const runner = inProcessRunner()
  const plan = await planOperation({ kind: 'merge', params: { base: baseDir, adapters: [{ dir: adapterDir }], out } }, { runner })
  const log: string[] = []
  return { result: await runOperation({ plan, runner, onLog: (l) => log.push(l), ...opts }), log }
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string; tensor?: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as { code?: string; message: string; tensor?: string },
  )
}

function leftovers(out: string): string[] {
  return readdirSync(dirname(out)).filter((n) => n.includes('graft-tmp'))
}

describe('runOperation verifies every output before it is moved into place', () => {
  const bad: [string, Parameters<typeof adapter>[1]][] = [
    ['NaN in lora_A', { editA: (v) => (v[3] = NaN) }],
    ['+Inf in lora_B', { editB: (v) => (v[5] = Infinity) }],
    ['lora_alpha = 1e38', { r: 1, alpha: 1e38, editA: (v) => v.fill(4), editB: (v) => v.fill(4) }],
  ]
  for (const [what, opts] of bad)
    it(`${what}: fails with NONFINITE naming the tensor, and leaves no output`, async () => {
      const dir = await tempDir()
      const out = join(dir, 'merged')
      const err = await rejection(merge(await base(join(dir, 'base')), await adapter(join(dir, 'ad'), opts), out))
      expect(err.code).toBe('NONFINITE')
      expect(err.message).toContain(Q)
      expect(err.tensor).toBe(Q)
      expect(existsSync(out)).toBe(false)
      expect(leftovers(out)).toEqual([])
    })

  it('rank-0 factors (alpha / 0 would make every delta NaN): refused when the config is read, and no output', async () => {
    const dir = await tempDir()
    const out = join(dir, 'merged')
    const err = await rejection(merge(await base(join(dir, 'base')), await adapter(join(dir, 'ad'), { r: 0 }), out))
    expect(err.code, err.message).toBe('BAD_CONFIG')
    expect(err.message).toContain('"r"')
    expect(existsSync(out)).toBe(false)
    expect(leftovers(out)).toEqual([])
  })

  it('--overwrite with a NaN result keeps the previous output untouched', async () => {
    const dir = await tempDir()
    const out = join(dir, 'merged')
    const baseDir = await base(join(dir, 'base'))
    await merge(baseDir, await adapter(join(dir, 'good')), out)
    const before = readdirSync(out).sort().map((f) => [f, readFileSync(join(out, f)).toString('base64')])
    const err = await rejection(merge(baseDir, await adapter(join(dir, 'ad'), { editA: (v) => (v[0] = NaN) }), out, { overwrite: true }))
    expect(err.code).toBe('NONFINITE')
    expect(readdirSync(out).sort().map((f) => [f, readFileSync(join(out, f)).toString('base64')])).toEqual(before)
  })

  it('allowNonFinite keeps the output and reports the tensor', async () => {
    const dir = await tempDir()
    const out = join(dir, 'merged')
    const { result, log } = await merge(await base(join(dir, 'base')), await adapter(join(dir, 'ad'), { editB: (v) => (v[0] = Infinity) }), out, { allowNonFinite: true })
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true)
    expect(result.verification.ok).toBe(false)
    expect(result.verification.nonFinite.map((n) => n.tensor)).toEqual([Q])
    expect(log.join('\n')).toContain(Q)
  })

  it('NaN already in the base is reported as inherited (a warning naming the tensor), not refused', async () => {
    const dir = await tempDir()
    const out = join(dir, 'merged')
    const b = await base(join(dir, 'base'), (ts) => (ts[Q].values[2 * H + 1] = NaN))
    const { result, log } = await merge(b, await adapter(join(dir, 'ad')), out)
    expect(result.verification.nonFinite).toEqual([])
    expect(result.verification.inheritedNonFinite).toEqual([{ tensor: Q, rows: 1 }])
    expect(log.some((l) => l.startsWith('warning:') && l.includes(Q))).toBe(true)
    const merged = await readModel(out)
    expect(Number.isNaN(merged.get(Q)!.values[2 * H + 1])).toBe(true)
    expect(merged.get(Q)!.values.filter((x) => !Number.isFinite(x)).length).toBe(1)
  })

  it('a finite merge verifies ok', async () => {
    const dir = await tempDir()
    const out = join(dir, 'merged')
    const { result } = await merge(await base(join(dir, 'base')), await adapter(join(dir, 'ad')), out)
    expect(result.verification).toMatchObject({ ok: true, nonFinite: [], inheritedNonFinite: [], mismatched: [] })
    expect(existsSync(out)).toBe(true)
  })

  it('a cast to F16 that overflows (|x| > 65504) is NONFINITE too; the F32 → BF16 cast of the same base is fine', async () => {
    const dir = await tempDir()
    const b = await writeModel(join(dir, 'base'), { [Q]: { dtype: 'F32', shape: [H, H], values: randn(H * H, 7).map((x, i) => (i === 9 ? 1e5 : x)) } }, { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: H })
    const runner = inProcessRunner()
    const f16 = await planOperation({ kind: 'convert', params: { base: b, out: join(dir, 'f16'), dtype: 'F16' } }, { runner })
    expect(await rejection(runOperation({ plan: f16, runner }))).toMatchObject({ code: 'NONFINITE', tensor: Q })
    expect(existsSync(join(dir, 'f16'))).toBe(false)
    const bf16 = await planOperation({ kind: 'convert', params: { base: b, out: join(dir, 'bf16'), dtype: 'BF16' } }, { runner })
    expect((await runOperation({ plan: bf16, runner })).verification.ok).toBe(true)
  })

  it('a resize scans the rows it computes, not the old rows it copies as bytes: an Inf old row makes the new mean rows Inf → NONFINITE', async () => {
    const dir = await tempDir()
    const runner = inProcessRunner()
    const b = await base(join(dir, 'base'), (ts) => (ts['model.embed_tokens.weight'].values[3 * H + 1] = Infinity))
    const plan = await planOperation({ kind: 'resize', params: { base: b, out: join(dir, 'out'), newSize: V + 2, init: { kind: 'mean' } } }, { runner })
    const err = await rejection(runOperation({ plan, runner }))
    expect(err.code, err.message).toBe('NONFINITE')
    // Only the 2 new rows are Graft's (the Inf old row is the base's own, copied as bytes and not scanned).
    expect(err.message).toMatch(/model\.embed_tokens\.weight \(2 rows\)/)
    expect(existsSync(join(dir, 'out'))).toBe(false)
    // With allowNonFinite the verification shows it: the 2 new rows are Graft's, and the copied Inf row was not scanned (no inherited entry).
    const kept = await runOperation({ plan, runner, allowNonFinite: true })
    expect(kept.verification.nonFinite).toEqual([{ tensor: 'model.embed_tokens.weight', rows: 2 }])
    expect(kept.verification.inheritedNonFinite ?? []).toEqual([])
  })
})
