import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { randn, tempDir, writeAdapter, writeModel } from '../helpers/tiny-model'
import { makeSlowModel } from '../e2e/make-slow-model'

const BIN = join(__dirname, '../../bin/graft.mjs')
const Q = 'model.layers.0.self_attn.q_proj.weight'

function graft(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** A tiny base and an adapter whose lora_A holds a NaN. */
async function nanCase(dir: string) {
  const H = 8
  const base = await writeModel(join(dir, 'base'), {
    'model.embed_tokens.weight': { dtype: 'F32', shape: [12, H], values: randn(12 * H, 1) },
    [Q]: { dtype: 'F32', shape: [H, H], values: randn(H * H, 2) },
    'lm_head.weight': { dtype: 'F32', shape: [12, H], values: randn(12 * H, 3) },
  }, { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 12, hidden_size: H, tie_word_embeddings: false })
  const A = randn(2 * H, 4, 0.1)
  A[5] = NaN
  const adapter = await writeAdapter(join(dir, 'ad'), {
    'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [2, H], values: A },
    'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': { dtype: 'F32', shape: [H, 2], values: randn(2 * H, 5, 0.1) },
  }, { target_modules: ['q_proj'] })
  return { base, adapter }
}

describe('graft verifies what it writes', () => {
  it('a merge that makes NaN exits 1 with NONFINITE naming the tensor and writes nothing; --allow-nonfinite keeps it', async () => {
    const dir = await tempDir()
    const { base, adapter } = await nanCase(dir)
    const out = join(dir, 'merged')
    const r = graft('merge', '--base', base, '--adapter', adapter, '--out', out)
    expect(r.code).toBe(1)
    expect(r.err).toContain('NONFINITE')
    expect(r.err).toContain(Q)
    expect(r.err).toContain('--allow-nonfinite')
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((n) => n.includes('graft-tmp'))).toEqual([])

    const kept = graft('merge', '--base', base, '--adapter', adapter, '--out', out, '--allow-nonfinite', '--json')
    expect(kept.code, kept.err).toBe(0)
    const done = kept.out.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.type === 'done')
    expect(done.verification.nonFinite).toEqual([{ tensor: Q, rows: 8 }])
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true)
  }, 120_000)

  it('a good merge reports its verification in --json', () => {
    const dir = join(__dirname, '../../resources/demo')
    return tempDir().then((t) => {
      const r = graft('merge', '--base', join(dir, 'base'), '--adapter', join(dir, 'adapter'), '--out', join(t, 'm'), '--json')
      expect(r.code, r.err).toBe(0)
      const done = r.out.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.type === 'done')
      expect(done.verification).toMatchObject({ ok: true, nonFinite: [], mismatched: [] })
    })
  }, 120_000)
})

describe('graft cancelled by a signal', () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const)
    it(`${sig} during a merge exits ${code} with CANCELLED and leaves nothing`, async () => {
      const dir = await tempDir()
      const { base, adapter } = await makeSlowModel(dir)
      const out = join(dir, 'merged')
      const child = spawn(process.execPath, [BIN, 'merge', '--base', base, '--adapter', adapter, '--out', out, '--json', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d) => {
          stdout += d
          if (stdout.includes('"phase":"tensors"')) resolve()
        })
        void exited.then(() => resolve())
      })
      child.kill(sig)
      expect(await exited, stderr).toBe(code)
      expect(stderr).toContain('CANCELLED')
      expect(existsSync(out)).toBe(false)
      expect(readdirSync(dir).filter((n) => n.includes('graft-tmp'))).toEqual([])
    }, 120_000)
})
