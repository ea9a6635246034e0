import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { writeSafetensorsFile } from '../../src/core/safetensors/write-safetensors-file'
import { GraftError } from '../../src/core/errors'
import { tempDir } from '../helpers/tiny-model'
import { fixtureDir } from '../compare/fixture-dirs'

/** The Llama-3.1 vocabulary: 128,000 BPE pieces + 256 added tokens. */
const LLAMA3_ROWS = 128_256
/** Seed 000 of the real-world findings: 18,196 new tokens (128,256 → 146,452). */
const SEED_TOKENS = 18_196
/**
 * Generous bound for planning 18,196 tokens on the slow shared 2-core test machine. Measured
 * there: 2 min 46 s before the fix (quadratic added_tokens_decoder edit), about 4 s after.
 */
const PLAN_BOUND_MS = 30_000

/** A tiny untied Llama (hidden 8, bf16) with the real Llama-3 tokenizer files. */
async function llama3Tiny(): Promise<string> {
  const dir = join(await tempDir(), 'llama3')
  await mkdir(dir)
  const hidden = 8
  await writeFile(join(dir, 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: LLAMA3_ROWS, hidden_size: hidden, tie_word_embeddings: false }, null, 2))
  const data = new Uint8Array(LLAMA3_ROWS * hidden * 2)
  for (let i = 0; i < data.length; i += 2) (data[i] = (i * 7) & 0xff), (data[i + 1] = 0x3c)
  await writeSafetensorsFile({
    path: join(dir, 'model.safetensors'),
    tensors: [
      { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [LLAMA3_ROWS, hidden], data },
      { name: 'lm_head.weight', dtype: 'BF16', shape: [LLAMA3_ROWS, hidden], data },
    ],
  })
  const fx = fixtureDir('llama3')
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(fx, f), join(dir, f))
  return dir
}

const manyTokens = (n: number): string[] => Array.from({ length: n }, (_, i) => `<tok_${i}_${((i * 2654435761) % 100000).toString(36)}>`)

describe('adding many tokens (seed 000: Llama-3.1 + 18,196 tokens)', () => {
  it(`plans ${SEED_TOKENS} tokens on the Llama-3 tokenizer in bounded time, with a short plan`, async () => {
    const base = await llama3Tiny()
    const t0 = performance.now()
    const res = await planAddTokens({ base, out: join(await tempDir(), 'out'), tokens: manyTokens(SEED_TOKENS).map((content) => ({ content, special: false })), init: 'trained-mean' })
    const ms = performance.now() - t0
    console.log(`planAddTokens(${SEED_TOKENS} tokens, Llama-3 tokenizer): ${Math.round(ms)} ms`)
    expect(ms).toBeLessThan(PLAN_BOUND_MS)
    expect(res.added).toHaveLength(SEED_TOKENS)
    expect(res.added[0].id).toBe(LLAMA3_ROWS)
    expect(res.added.at(-1)!.id).toBe(146_451)
    expect(res.plan.title).toContain('resize to 146452')
    const cfgFile = res.plan.files.find((f) => f.path === 'tokenizer_config.json')
    if (cfgFile?.kind !== 'write') throw new Error('tokenizer_config.json is not written')
    const cfg = JSON.parse(cfgFile.content)
    expect(Object.keys(cfg.added_tokens_decoder)).toHaveLength(256 + SEED_TOKENS)
    expect(cfg.added_tokens_decoder['146451'].content).toBe(res.added.at(-1)!.content)
    // Summarised: the first ten and a count, not 18,196 pairs.
    const text = JSON.stringify(res.plan.decisions)
    expect(text.length).toBeLessThan(4000)
    expect(text).toContain(`and ${SEED_TOKENS - 10} more (ids up to 146451)`)
  }, 240_000)

  it('a re-run of a long list that is all skipped gives a short error, and partial skips a short plan', async () => {
    const base = await llama3Tiny()
    const tokens = manyTokens(3000).map((content) => ({ content, special: false }))
    const first = await planAddTokens({ base, out: join(await tempDir(), 'o'), tokens, init: 'mean' })
    const { executePlan } = await import('../../src/core/exec/execute-plan')
    const { inProcessRunner } = await import('../../src/core/exec/in-process-runner')
    await executePlan({ plan: first.plan, runner: inProcessRunner() })
    const err = (await planAddTokens({ base: first.plan.output.dir, out: join(await tempDir(), 'o2'), tokens, init: 'mean' }).then(
      () => null,
      (e: unknown) => e,
    )) as GraftError
    expect(err.code).toBe('BAD_REQUEST')
    expect(err.message).toContain('… and 2990 more.')
    expect(err.message.length).toBeLessThan(1000)
    const partial = await planAddTokens({ base: first.plan.output.dir, out: join(await tempDir(), 'o3'), tokens: [...tokens, { content: '<fresh>', special: false }], init: 'mean' })
    const skipped = partial.plan.warnings.filter((w) => w.code === 'TOKEN_SKIPPED')
    expect(skipped).toHaveLength(21)
    expect(skipped.at(-1)!.message).toContain('… and 2980 more token(s) skipped')
  }, 240_000)

  it('the CLI prints the first tokens and a count, not one line per token', async () => {
    const base = await llama3Tiny()
    const file = join(await tempDir(), 'tokens.txt')
    await writeFile(file, manyTokens(3000).join('\n') + '\n')
    const r = spawnSync(process.execPath, ['bin/graft.mjs', 'tokens', 'add', '--in', base, '--out', join(await tempDir(), 'out'), '--tokens-file', file, '--dry-run'], { encoding: 'utf8', timeout: 200_000 })
    expect(r.status, r.stderr).toBe(0)
    const line = r.stderr.split('\n').find((l) => l.startsWith('Tokenizer:'))!
    expect(line).toContain('Tokenizer: 3000 added: <tok_0_0>=128256')
    expect(line).toContain('… and 2990 more (ids up to 131255)')
    expect(line.length).toBeLessThan(600)
    expect(r.stderr.length + r.stdout.length).toBeLessThan(8000)
  }, 240_000)
})

describe('whitespace in tokens', () => {
  const DEMO = join(__dirname, '../../resources/demo/base')

  it('refuses a whitespace-only token, naming its place and showing it', async () => {
    const err = await planAddTokens({ base: DEMO, out: join(await tempDir(), 'o'), tokens: [{ content: '<ok>', special: false }, { content: '   ', special: false }, { content: '\t', special: false }], init: 'mean' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GraftError)
    expect((err as GraftError).code).toBe('BAD_REQUEST')
    expect((err as GraftError).message).toContain('token 2 of 3 ("␣␣␣")')
    expect((err as GraftError).message).toContain('token 3 of 3 ("⇥")')
    // A zero-width space alone is just as invisible.
    await expect(planAddTokens({ base: DEMO, out: join(await tempDir(), 'o'), tokens: [{ content: '\u200b', special: true }], init: 'mean' })).rejects.toThrow(/<U\+200B>/)
  })

  it('warns about leading or trailing spaces and shows them in the plan', async () => {
    const res = await planAddTokens({ base: DEMO, out: join(await tempDir(), 'o'), tokens: [{ content: 'foo ', special: false }, { content: '<x>', special: true }], init: 'mean' })
    const w = res.plan.warnings.find((x) => x.code === 'TOKEN_WHITESPACE')
    expect(w?.message).toContain('"foo␣"')
    expect(w?.message).not.toContain('<x>')
    expect(JSON.stringify(res.plan.decisions)).toContain('foo␣=32000')
  })
})
