import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { JobManager } from '../../src/main/jobs/job-manager'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { tempDir } from '../helpers/tiny-model'

describe('tokens-add job with mode "vocab" (the API path of graft tokens extend)', () => {
  it('plans real vocabulary pieces and a matching resize', async () => {
    const jobs = new JobManager(inProcessRunner())
    const out = join(await tempDir(), 'out')
    const plan = await jobs.plan({ kind: 'tokens-add', params: { base: join(__dirname, '../../resources/demo/base'), out, tokens: [{ content: ' καλημέρα', special: false }], init: 'mean', mode: 'vocab' } })
    const embed = plan.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
    expect(embed.shape[0]).toBeGreaterThan(32000)
    expect(plan.title).toContain('vocabulary piece')
    expect(plan.files.some((f) => f.path === 'tokenizer.json' && f.kind === 'write')).toBe(true)
  })
})
