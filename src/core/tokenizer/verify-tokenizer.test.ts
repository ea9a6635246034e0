import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { verifyTokenizer } from './verify-tokenizer'

const MISTRAL = readFileSync(fileURLToPath(new URL('../../../test/fixtures/tokenizers/mistral/tokenizer.json', import.meta.url)), 'utf8')

describe('verifyTokenizer', () => {
  it('reports a file that does not load', async () => {
    const r = await verifyTokenizer({ after: '{"model": {"type": "BPE"}}' })
    expect(r.loaded).toBe(false)
    expect(r.ok).toBe(false)
    expect(r.problems[0]).toMatch(/does not load/)
  })

  it('checks single ids, size and unchanged samples', async () => {
    const r = await verifyTokenizer({
      after: MISTRAL,
      before: MISTRAL,
      expect: [
        { content: ' Hello', id: 22557, probe: 'Hello' },
        { content: 'ing', id: 288, probe: 'ing', via: 'model' },
        { content: ' xylophone', id: 1318, probe: 'xylophone' },
      ],
      samples: ['Hello world'],
      expectedSize: 32001,
    })
    expect(r.loaded).toBe(true)
    expect(r.tokens.map((t) => t.ok)).toEqual([true, true, false])
    expect(r.tokens[2].tokens).toEqual(['▁x', 'yl', 'oph', 'one'])
    expect(r.samples[0]).toMatchObject({ status: 'same', roundTrip: true, roundTripBefore: true })
    expect(r.problems).toHaveLength(2)
    expect(r.problems[0]).toMatch(/32000 tokens; expected 32001/)
    expect(r.ok).toBe(false)
  })

  it('flags samples that change without a new token', async () => {
    // drop the merge that builds "▁Hello": "Hello" now splits differently, and no id is new
    const j = JSON.parse(MISTRAL)
    j.model.merges = j.model.merges.filter((m: string) => m !== '▁H ello')
    const r = await verifyTokenizer({ after: JSON.stringify(j), before: MISTRAL, samples: ['Hello world', 'good day'] })
    expect(r.samples.map((s) => s.status)).toEqual(['changed', 'same'])
    expect(r.ok).toBe(false)
  })
})
