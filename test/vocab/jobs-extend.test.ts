import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { JobManager } from '../../src/main/jobs/job-manager'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { tempDir } from '../helpers/tiny-model'
import { paramSchemas } from '../../src/main/api/schemas'

describe('tokens-add job with mode "vocab" (the API path of graft tokens extend)', () => {
  it('plans real vocabulary pieces and a matching resize', async () => {
    const jobs = new JobManager(inProcessRunner())
    const out = join(await tempDir(), 'out')
    const { plan } = await jobs.plan({ kind: 'tokens-add', params: { base: join(__dirname, '../../resources/demo/base'), out, tokens: [{ content: ' καλημέρα', special: false }], init: 'mean', mode: 'vocab' } })
    const embed = plan.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
    expect(embed.shape[0]).toBeGreaterThan(32000)
    expect(plan.title).toContain('vocabulary piece')
    expect(plan.files.some((f) => f.path === 'tokenizer.json' && f.kind === 'write')).toBe(true)
    // The preflight says what the extension adds: the token, its pieces and the merges.
    expect(plan.decisions.map((d) => d.code)).toEqual(expect.arrayContaining(['VOCAB_TOKENS', 'VOCAB_PIECES', 'VOCAB_MERGES']))
    expect(plan.decisions.find((d) => d.code === 'VOCAB_TOKENS')!.message).toContain('" καλημέρα" → ▁καλημέρα (id ')
  })

  it('tokens.preview takes mode "added" or "vocab"', () => {
    const schema = paramSchemas['tokens.preview']
    expect(schema.safeParse({ path: '/m', tokens: [{ content: 'x', special: false }], text: '', mode: 'vocab' }).success).toBe(true)
    expect(schema.safeParse({ path: '/m', tokens: [{ content: 'x', special: false }], text: '', mode: 'bpe' }).success).toBe(false)
  })
})
