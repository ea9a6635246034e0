import { describe, expect, it } from 'vitest'
import { cp, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { paramSchemas } from '../../src/main/api/schemas'
import type { Plan } from '../../src/shared/plan'
import { tempDir, writeModel, type T } from '../helpers/tiny-model'
import { fixtureDir } from '../compare/fixture-dirs'

const DEMO = join(__dirname, '../../resources/demo/base')

/** A copy of the demo base (Mistral-style tokenizer, 32000 rows) to add files to. */
async function demoCopy(): Promise<string> {
  const dir = join(await tempDir(), 'base')
  await mkdir(dir)
  await cp(DEMO, dir, { recursive: true })
  return dir
}

function written(plan: Plan, path: string): string {
  const f = plan.files.find((x) => x.path === path)
  if (!f || f.kind !== 'write') throw new Error(`${path} is not written by the plan`)
  return f.content
}

const json = async (dir: string, name: string) => JSON.parse(await readFile(join(dir, name), 'utf8'))

describe('tokens add with special-token roles', () => {
  it('pad = a new <pad> on the demo: every file agrees and tokenizers loads it at that id', async () => {
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: DEMO, out, tokens: [{ content: '<pad>', special: true }], init: 'mean', roles: { pad: '<pad>' } })
    expect(res.added).toEqual([{ content: '<pad>', id: 32000, special: true }])
    const decision = res.plan.decisions.find((d) => d.code === 'TOKEN_ROLE')!
    expect(decision.message).toContain('pad_token: none → "<pad>" (id 32000, added here)')
    expect(decision.message).toContain('generation_config.json pad_token_id')
    // config.json keeps its formatting: only the edited values change.
    const cfgText = written(res.plan, 'config.json')
    expect(cfgText).toContain('"rms_norm_eps": 0.00001')
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    expect((await json(out, 'config.json')).pad_token_id).toBe(32000)
    expect(await json(out, 'generation_config.json')).toEqual({ bos_token_id: 1, eos_token_id: 2, pad_token_id: 32000 })
    const tc = await json(out, 'tokenizer_config.json')
    expect(tc.pad_token).toBe('<pad>')
    expect(tc.added_tokens_decoder['32000'].content).toBe('<pad>')
    const tok = Tokenizer.fromString(await readFile(join(out, 'tokenizer.json'), 'utf8'))
    expect(tok.tokenToId('<pad>')).toBe(32000)
    expect(res.plan.warnings.map((w) => w.code)).not.toContain('PAD_IS_EOS')
  })

  it('eos = a new <|im_end|>: a list eos_token_id in generation_config stays a list, new id first', async () => {
    const dir = await demoCopy()
    await writeFile(join(dir, 'generation_config.json'), '{\n  "bos_token_id": 1,\n  "eos_token_id": [2, 5]\n}\n')
    const res = await planAddTokens({ base: dir, out: join(await tempDir(), 'out'), tokens: [{ content: '<|im_end|>', special: true }], init: 'mean', roles: { eos: '<|im_end|>' } })
    const gen = JSON.parse(written(res.plan, 'generation_config.json'))
    expect(gen.eos_token_id).toEqual([32000, 2, 5])
    expect(JSON.parse(written(res.plan, 'config.json')).eos_token_id).toBe(32000)
    expect(JSON.parse(written(res.plan, 'tokenizer_config.json')).eos_token).toBe('<|im_end|>')
    const d = res.plan.decisions.find((x) => x.code === 'TOKEN_ROLE')!.message
    expect(d).toContain('eos_token: "</s>" (id 2) → "<|im_end|>" (id 32000, added here)')
    expect(d).toContain('stays a list')
    expect(res.plan.warnings.find((w) => w.code === 'ROLE_CHANGES_MODEL')!.message).toContain('generation stops on eos')
  })

  it('bos = a new <bos2>: the template post-processor inserts it instead of <s>, checked with tokenizers', async () => {
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: DEMO, out, tokens: [{ content: '<bos2>', special: true }], init: 'mean', roles: { bos: '<bos2>' } })
    expect(res.plan.warnings.find((w) => w.code === 'ROLE_CHANGES_MODEL')!.message).toContain('it now inserts "<bos2>" (id 32000) instead')
    const post = JSON.parse(written(res.plan, 'tokenizer.json')).post_processor
    expect(Object.keys(post.special_tokens)).toEqual(['<bos2>'])
    expect(post.special_tokens['<bos2>']).toEqual({ id: '<bos2>', ids: [32000], tokens: ['<bos2>'] })
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    const tok = Tokenizer.fromString(await readFile(join(out, 'tokenizer.json'), 'utf8'))
    const enc = await tok.encode('hello world')
    expect(enc.getIds()[0]).toBe(32000)
    expect(enc.getIds()).not.toContain(1)
    expect((await json(out, 'config.json')).bos_token_id).toBe(32000)
  })

  it('roles alone (no new token): pad = the existing eos, with the pad == eos warning and no resize', async () => {
    const res = await planAddTokens({ base: DEMO, out: join(await tempDir(), 'out'), tokens: [], init: 'mean', roles: { pad: '</s>' } })
    expect(res.added).toEqual([])
    expect(res.plan.tensors.find((t) => t.name === 'model.embed_tokens.weight')!.shape[0]).toBe(32000)
    expect(JSON.parse(written(res.plan, 'config.json')).pad_token_id).toBe(2)
    expect(res.plan.decisions.find((x) => x.code === 'TOKEN_ROLE')!.message).toContain('→ "</s>" (id 2)')
    expect(res.plan.warnings.map((w) => w.code)).toContain('PAD_IS_EOS')
  })

  it('a role naming a token that is neither added nor in the tokenizer is a BAD_REQUEST naming it', async () => {
    await expect(planAddTokens({ base: DEMO, out: join(await tempDir(), 'out'), tokens: [{ content: '<x>', special: true }], init: 'mean', roles: { pad: '<nope>' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/pad token "<nope>"/),
    })
  })

  it('Llama 3 tokenizer in a LLaVA-style config: pad = new <|pad|>, text_config ids, special_tokens_map objects, eos list', async () => {
    const dir = join(await tempDir(), 'llama3')
    const V = 128256
    const H = 4
    const rows = (seed: number): T => ({ dtype: 'F32', shape: [V, H], values: Array.from({ length: V * H }, (_, i) => ((i * 7 + seed) % 13) / 100) })
    await writeModel(dir, { 'model.language_model.embed_tokens.weight': rows(1), 'lm_head.weight': rows(2) }, { model_type: 'llava', text_config: { vocab_size: V, model_type: 'llama', tie_word_embeddings: false, bos_token_id: 128000, eos_token_id: 128001 } })
    const src = fixtureDir('llama3')
    await copyFile(join(src, 'tokenizer.json'), join(dir, 'tokenizer.json'))
    await copyFile(join(src, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'))
    const mapEntry = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false })
    await writeFile(join(dir, 'special_tokens_map.json'), JSON.stringify({ bos_token: mapEntry('<|begin_of_text|>'), eos_token: mapEntry('<|end_of_text|>') }, null, 2) + '\n')
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 128000, eos_token_id: [128001, 128009] }, null, 2) + '\n')
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: dir, out, tokens: [{ content: '<|pad|>', special: true }], init: 'mean', roles: { pad: '<|pad|>', eos: '<|eot_id|>' } })
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    const cfg = await json(out, 'config.json')
    expect(cfg.pad_token_id).toBe(128256)
    expect(cfg.text_config).toMatchObject({ vocab_size: 128257, pad_token_id: 128256, eos_token_id: 128009 })
    expect(await json(out, 'generation_config.json')).toEqual({ bos_token_id: 128000, eos_token_id: [128009, 128001], pad_token_id: 128256 })
    const tc = await json(out, 'tokenizer_config.json')
    expect([tc.pad_token, tc.eos_token]).toEqual(['<|pad|>', '<|eot_id|>'])
    const map = await json(out, 'special_tokens_map.json')
    expect(map.pad_token).toEqual(mapEntry('<|pad|>'))
    expect(map.eos_token).toEqual(mapEntry('<|eot_id|>'))
    const tok = Tokenizer.fromString(await readFile(join(out, 'tokenizer.json'), 'utf8'))
    expect(tok.tokenToId('<|pad|>')).toBe(cfg.pad_token_id)
    expect(tok.tokenToId('<|eot_id|>')).toBe(cfg.text_config.eos_token_id)
    const eosWarning = res.plan.warnings.find((w) => w.code === 'ROLE_CHANGES_MODEL')!.message
    expect(eosWarning).toContain('generation stops on eos')
  }, 60_000)

  it('the tokens-add schema takes roles (strict) and allows no tokens only with a role', () => {
    const schema = paramSchemas['jobs.plan']
    const req = (params: Record<string, unknown>) => ({ request: { kind: 'tokens-add', params: { base: '/m', out: '/o', init: 'mean', ...params } } })
    expect(schema.safeParse(req({ tokens: [{ content: '<pad>', special: true }], roles: { pad: '<pad>' } })).success).toBe(true)
    expect(schema.safeParse(req({ tokens: [], roles: { eos: '</s>' } })).success).toBe(true)
    expect(schema.safeParse(req({ tokens: [], roles: {} })).success).toBe(false)
    expect(schema.safeParse(req({ tokens: [] })).success).toBe(false)
    expect(schema.safeParse(req({ tokens: [{ content: '<x>', special: true }], roles: { sep: '<x>' } })).success).toBe(false)
    expect(schema.safeParse(req({ tokens: [{ content: '<x>', special: true }], roles: { pad: '' } })).success).toBe(false)
  })
})
