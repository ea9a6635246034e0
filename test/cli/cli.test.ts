import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { matmul, readConfig, readModel, readTensorsFile, refRound, tempDir, ulpDiff } from '../helpers/tiny-model'

const DEMO = join(__dirname, '../../resources/demo')

function graft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/graft.mjs', ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('graft CLI', () => {
  it('--help, --version and usage errors exit 0/0/2', () => {
    expect(graft('--help').code).toBe(0)
    expect(graft('--help').out).toContain('graft merge')
    expect(graft('--version').out).toMatch(/^graft \d+\.\d+\.\d+/)
    const bad = graft('merge', '--base', 'x')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('--adapter')
    expect(graft('frobnicate').code).toBe(2)
  })

  it('inspect --json prints vocab size, tie flag, dtype and tensor count of the demo base', () => {
    const r = graft('inspect', join(DEMO, 'base'), '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j).toMatchObject({ vocabSize: 32000, tieWordEmbeddings: false, dtype: 'BF16', tensorCount: 21 })
  })

  it('a failed operation exits 1 and names the folder and what to do', () => {
    const r = graft('inspect', '/nonexistent/model')
    expect(r.code).toBe(1)
    expect(r.err).toContain('/nonexistent/model')
    expect(r.err).toContain('→')
  })

  it('merges the demo adapter; every tensor checked against an independent computation', async () => {
    const out = join(await tempDir(), 'merged')
    const dry = graft('merge', '--base', join(DEMO, 'base'), '--adapter', join(DEMO, 'adapter'), '--out', out, '--dry-run', '--json')
    expect(dry.code).toBe(0)
    const plan = JSON.parse(dry.out)
    expect(plan.decisions.map((d: { code: string }) => d.code)).toContain('VOCAB_RESIZED')
    expect(existsSync(out)).toBe(false)
    const r = graft('merge', '--base', join(DEMO, 'base'), '--adapter', join(DEMO, 'adapter'), '--out', out, '--json')
    expect(r.code, r.err).toBe(0)
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0].type).toBe('plan')
    expect(lines.at(-1)).toMatchObject({ type: 'done', outDir: out })
    expect(lines.some((l) => l.type === 'progress')).toBe(true)

    const merged = await readModel(out)
    const base = await readModel(join(DEMO, 'base'))
    const ad = await readTensorsFile(join(DEMO, 'adapter'), 'adapter_model.safetensors')
    const cfg = JSON.parse(readFileSync(join(DEMO, 'adapter', 'adapter_config.json'), 'utf8'))
    const s = cfg.lora_alpha / cfg.r
    expect([...merged.keys()].sort()).toEqual([...base.keys()].sort())
    let loraTensors = 0
    for (const [name, b] of base) {
      const m = merged.get(name)!
      const full = ad.get(`base_model.model.${name}`)
      const A = ad.get(`base_model.model.${name.replace(/\.weight$/, '')}.lora_A.weight`)
      const B = ad.get(`base_model.model.${name.replace(/\.weight$/, '')}.lora_B.weight`)
      if (full) {
        expect(m.shape, name).toEqual(full.shape)
        expect(m.values, name).toEqual(full.values)
      } else if (A && B) {
        loraTensors++
        const [out_, in_] = b.shape
        const P = matmul(B.values, A.values, out_, cfg.r, in_)
        let off = 0
        for (let i = 0; i < b.values.length; i++) {
          const want = refRound('BF16', Math.fround(b.values[i] + Math.fround(Math.fround(P[i]) * s)))
          const d = ulpDiff('BF16', m.values[i], want)
          expect(d, `${name}[${i}]`).toBeLessThanOrEqual(1)
          if (d) off++
        }
        expect(off / b.values.length, name).toBeLessThan(0.01)
      } else expect(m.values, `${name} untouched`).toEqual(b.values)
    }
    expect(loraTensors).toBe(14)
    const config = await readConfig(out)
    expect(config.vocab_size).toBe(32003)
    expect(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')).added_tokens.map((t: { content: string }) => t.content)).toContain('<think>')
    expect(existsSync(join(out, 'graft_provenance.json'))).toBe(true)
  })

  it('tokens add + vocab: the truth table agrees afterwards; untrained scan lists the planted rows', async () => {
    const out = join(await tempDir(), 'tok')
    const r = graft('tokens', 'add', '--in', join(DEMO, 'base'), '--out', out, '--special', '<tool_result>', '--token', 'graftology', '--init', 'subtoken-mean')
    expect(r.code, r.err).toBe(0)
    const v = JSON.parse(graft('vocab', out, '--json').out)
    expect(v).toMatchObject({ tokenizerSize: 32002, embedRows: 32002, configVocabSize: 32002 })
    expect(v.checks[0].code).toBe('CONSISTENT')
    const scan = JSON.parse(graft('untrained', 'scan', join(DEMO, 'base'), '--json').out)
    expect(scan.untrainedEmbed).toEqual([3, 4, 5, 6, 7, 8])
  })

  it('tokens add --pad: the new <pad> becomes the padding token in the tokenizer and the configs', async () => {
    const out = join(await tempDir(), 'pad')
    const r = graft('tokens', 'add', '--in', join(DEMO, 'base'), '--out', out, '--special', '<pad>', '--pad', '<pad>', '--init', 'mean')
    expect(r.code, r.err).toBe(0)
    expect((await readConfig(out)).pad_token_id).toBe(32000)
    expect(JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8')).pad_token_id).toBe(32000)
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).pad_token).toBe('<pad>')
    const bad = graft('tokens', 'add', '--in', join(DEMO, 'base'), '--out', join(out, '..', 'bad'), '--pad', '<nope>')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('"<nope>"')
  })

  it('tokens extend: a new word becomes one id under ordinary tokenization, and the model grows to match', async () => {
    const out = join(await tempDir(), 'ext')
    const r = graft('tokens', 'extend', '--in', join(DEMO, 'base'), '--out', out, '--token', ' καλημέρα')
    expect(r.code, r.err).toBe(0)
    const { Tokenizer } = await import('tokenizers')
    const tok = Tokenizer.fromFile(join(out, 'tokenizer.json'))
    const enc = await tok.encode('Γεια σου, καλημέρα!', null, { addSpecialTokens: false })
    const id = tok.tokenToId('▁καλημέρα')
    expect(id).toBeGreaterThanOrEqual(32000)
    expect(enc.getIds()).toContain(id)
    const v = JSON.parse(graft('vocab', out, '--json').out)
    expect(v.embedRows).toBe(v.tokenizerSize)
    expect(v.checks[0].code).toBe('CONSISTENT')
  })

  it('add tokens + merge an adapter in one pass: grows the merged vocabulary, keeps the merge', async () => {
    const dir = await tempDir()
    const r = graft('tokens', 'add', '--in', join(DEMO, 'base'), '--adapter', join(DEMO, 'adapter'), '--out', join(dir, 'both'), '--special', '<image>', '--init', 'mean')
    expect(r.code, r.err).toBe(0)
    expect(graft('merge', '--base', join(DEMO, 'base'), '--adapter', join(DEMO, 'adapter'), '--out', join(dir, 'merged')).code).toBe(0)
    const both = await readModel(join(dir, 'both'))
    const merged = await readModel(join(dir, 'merged'))
    const e = both.get('model.embed_tokens.weight')!
    expect(e.shape).toEqual([32004, 32])
    expect(e.values.slice(0, 32003 * 32)).toEqual(merged.get('model.embed_tokens.weight')!.values)
    expect(both.get('model.layers.1.mlp.down_proj.weight')!.values).toEqual(merged.get('model.layers.1.mlp.down_proj.weight')!.values)
    const v = JSON.parse(graft('vocab', join(dir, 'both'), '--json').out)
    expect(v).toMatchObject({ tokenizerSize: 32004, embedRows: 32004, headRows: 32004, configVocabSize: 32004 })
  })
})
