import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { readConfig, readModel, refRound, randn, tempDir, writeModel, type T } from '../helpers/tiny-model'
import { fixtureDir } from '../compare/fixture-dirs'

/** A real 300-piece SentencePiece BPE model (<unk>, <s>, </s>, byte pieces …). */
const SPM = join(__dirname, '../fixtures/sentencepiece/tiny-bpe.model')
const PIECES = 300
const H = 4

const t = (shape: number[], seed: number): T => ({ dtype: 'BF16', shape, values: randn(shape[0] * (shape[1] ?? 1), seed, 0.5).map((v) => refRound('BF16', v)) })

/** The InternLM2 tokenizer_config.json of the Hub: added_tokens_decoder for ids inside the piece range. */
const INTERNLM2_TOKENIZER_CONFIG = {
  added_tokens_decoder: {
    '0': { content: '<unk>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
    '1': { content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
    '2': { content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
  },
  additional_special_tokens: ['<|im_start|>'],
  auto_map: { AutoTokenizer: ['tokenization_internlm2.InternLM2Tokenizer', 'tokenization_internlm2_fast.InternLM2TokenizerFast'] },
  bos_token: '<s>',
  eos_token: '</s>',
  tokenizer_class: 'InternLM2Tokenizer',
}

/**
 * Seed 004's setting in small: an InternLM2-layout model (tok_embeddings / output, untied) whose
 * only tokenizer is tokenizer.model, as on the Hub.
 */
async function internlm2(opts: { config?: Record<string, unknown> | null } = {}): Promise<string> {
  const dir = join(await tempDir(), 'internlm2')
  await writeModel(dir, { 'model.tok_embeddings.weight': t([PIECES, H], 1), 'output.weight': t([PIECES, H], 2), 'model.norm.weight': t([H], 3) }, { architectures: ['InternLM2ForCausalLM'], model_type: 'internlm2', vocab_size: PIECES, hidden_size: H, tie_word_embeddings: false })
  await copyFile(SPM, join(dir, 'tokenizer.model'))
  const cfg = opts.config === undefined ? INTERNLM2_TOKENIZER_CONFIG : opts.config
  if (cfg) await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(cfg, null, 2) + '\n')
  return dir
}

const json = async (dir: string, name: string) => JSON.parse(await readFile(join(dir, name), 'utf8'))
const TOKENS = [
  { content: '<img>', special: true },
  { content: '</img>', special: true },
  { content: 'graftword', special: false },
]

describe('tokens add on a SentencePiece-only tokenizer (InternLM2, seed 004)', () => {
  it('adds the tokens after tokenizer.model\'s pieces in added_tokens_decoder, grows embedding and head, says it is unverified', async () => {
    const base = await internlm2()
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base, out, tokens: [...TOKENS, { content: '<s>', special: true }, { content: 'piece', special: false }], init: 'mean' })
    expect(res.added).toEqual([
      { content: '<img>', id: 300, special: true },
      { content: '</img>', id: 301, special: true },
      { content: 'graftword', id: 302, special: false },
    ])
    expect(res.plan.title).toContain('resize to 303')
    expect(res.plan.decisions.find((d) => d.code === 'SLOW_TOKENIZER')?.message).toContain('300 pieces, InternLM2Tokenizer')
    expect(res.plan.warnings.find((w) => w.code === 'TOKENIZER_UNVERIFIED')?.message).toContain('could not be verified with the fast tokenizers library')
    const skipped = res.plan.warnings.filter((w) => w.code === 'TOKEN_SKIPPED').map((w) => w.message)
    expect(skipped.join(' ')).toContain('"<s>" skipped: already-added (id 1)')
    expect(skipped.join(' ')).toContain('"piece" skipped: in-vocab (id 269)')
    await executePlan({ plan: res.plan, runner: inProcessRunner() })

    const tensors = await readModel(out)
    expect(tensors.get('model.tok_embeddings.weight')!.shape).toEqual([303, H])
    expect(tensors.get('output.weight')!.shape).toEqual([303, H])
    expect((await readConfig(out)).vocab_size).toBe(303)
    // tokenizer.model is never edited; no tokenizer.json appears.
    expect(Buffer.compare(await readFile(join(out, 'tokenizer.model')), await readFile(SPM))).toBe(0)
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(false)
    const tc = await json(out, 'tokenizer_config.json')
    expect(tc.added_tokens_decoder['300']).toEqual({ content: '<img>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true })
    expect(tc.added_tokens_decoder['302']).toEqual({ content: 'graftword', lstrip: false, normalized: true, rstrip: false, single_word: false, special: false })
    expect(tc.additional_special_tokens).toEqual(['<|im_start|>', '<img>', '</img>'])
    expect(tc.auto_map).toEqual(INTERNLM2_TOKENIZER_CONFIG.auto_map)
  })

  it('without added_tokens_decoder: writes added_tokens.json (sorted, like transformers) and special_tokens_map.json', async () => {
    const base = await internlm2({ config: { tokenizer_class: 'LlamaTokenizer', bos_token: '<s>' } })
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base, out, tokens: TOKENS, init: 'trained-mean' })
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    expect(await readFile(join(out, 'added_tokens.json'), 'utf8')).toBe('{\n  "</img>": 301,\n  "<img>": 300,\n  "graftword": 302\n}\n')
    expect((await json(out, 'special_tokens_map.json')).additional_special_tokens).toEqual(['<img>', '</img>'])
    expect((await json(out, 'tokenizer_config.json')).additional_special_tokens).toEqual(['<img>', '</img>'])
    // A second run continues after the added tokens.
    const again = await planAddTokens({ base: out, out: join(await tempDir(), 'out2'), tokens: [{ content: '<video>', special: true }, { content: '<img>', special: true }], init: 'mean' })
    expect(again.added).toEqual([{ content: '<video>', id: 303, special: true }])
  })

  it('the CLI says the tokenizer was not verified with the tokenizers library', async () => {
    const base = await internlm2()
    const r = spawnSync(process.execPath, ['bin/graft.mjs', 'tokens', 'add', '--in', base, '--out', join(await tempDir(), 'o'), '--special', '<img>', '--token', 'graftword', '--dry-run'], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('Tokenizer: 2 added: graftword=300, <img>=301 (special); NOT verified (no tokenizer.json')
    expect(r.stdout + r.stderr).toContain('could not be verified with the fast tokenizers library')
  })

  it('refuses ChatGLM, whose code numbers built-in specials after the pieces', async () => {
    const base = await internlm2({ config: { tokenizer_class: 'ChatGLMTokenizer' } })
    await expect(planAddTokens({ base, out: join(await tempDir(), 'o'), tokens: TOKENS, init: 'mean' })).rejects.toThrow(/ChatGLMTokenizer.*built-in special tokens/)
  })
})

describe('tokens add on a tokenizer-only folder (no config.json, no weights)', () => {
  it('edits the tokenizer only: no resize, no weights written, and the plan says so', async () => {
    const dir = join(await tempDir(), 'tok')
    await mkdir(dir)
    const fx = fixtureDir('mistral')
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(fx, f), join(dir, f))
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: dir, out, tokens: [{ content: '<think>', special: true }], init: 'mean' })
    expect(res.plan.tensors).toEqual([])
    expect(res.plan.title).toContain('tokenizer only')
    expect(res.plan.decisions.find((d) => d.code === 'TOKENIZER_ONLY')?.message).toContain('no embedding or head is resized')
    expect(res.plan.decisions.find((d) => d.code === 'TOKENIZER_ONLY')?.message).toContain('at least 32001 rows')
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    // No weights file; graft_provenance.json marks every Graft output.
    expect((await readdir(out)).sort()).toEqual(['graft_provenance.json', 'tokenizer.json', 'tokenizer_config.json'])
    const tok = Tokenizer.fromString(await readFile(join(out, 'tokenizer.json'), 'utf8'))
    expect(tok.tokenToId('<think>')).toBe(32000)
  })

  it('a tokenizer.model-only folder gets added_tokens.json', async () => {
    const dir = join(await tempDir(), 'spm')
    await mkdir(dir)
    await copyFile(SPM, join(dir, 'tokenizer.model'))
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: dir, out, tokens: [{ content: '<think>', special: true }], init: 'mean' })
    expect(res.plan.tensors).toEqual([])
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    expect((await readdir(out)).filter((f) => !f.startsWith('graft')).sort()).toEqual(['added_tokens.json', 'special_tokens_map.json', 'tokenizer.model'])
    expect(await json(out, 'added_tokens.json')).toEqual({ '<think>': 300 })
  })
})
