import { beforeAll, describe, expect, it } from 'vitest'
import { loadTokenizer, type LoadedTokenizer } from '../../src/core/compare/load-tokenizer'
import { csvField, vocabDiff, vocabDiffCsv } from '../../src/core/compare/vocab-diff'
import { fixtureDir } from './fixture-dirs'
import { parseCsv } from './helpers'

let llama3: LoadedTokenizer
let qwen3: LoadedTokenizer
let mistral: LoadedTokenizer

beforeAll(async () => {
  llama3 = await loadTokenizer({ path: fixtureDir('llama3') })
  qwen3 = await loadTokenizer({ path: fixtureDir('qwen3') })
  mistral = await loadTokenizer({ path: fixtureDir('mistral') })
})

describe('vocabDiff', () => {
  it('a tokenizer against itself: Jaccard 1, nothing only on one side, every id maps to itself, same sections', async () => {
    const d = await vocabDiff({ a: qwen3, b: qwen3 })
    expect(d.jaccard).toBe(1)
    expect(d.onlyA).toBe(0)
    expect(d.onlyB).toBe(0)
    expect(d.shared).toBe(d.a.distinct)
    expect(d.remap.sameId).toBe(d.shared)
    expect(d.sections.every((s) => s.same)).toBe(true)
    expect(d.special.onlyA).toEqual([])
  })

  it('llama3 vs qwen3: plausible overlap, lists consistent with the sizes, raw overlap equal to a direct vocabulary intersection', async () => {
    const d = await vocabDiff({ a: llama3, b: qwen3, limit: 50 })
    expect(d.a.size).toBe(128256)
    expect(d.b.size).toBe(151669)
    // both are byte-level BPE descended from the same family of vocabularies
    expect(d.jaccard).toBeGreaterThan(0.5)
    expect(d.jaccard).toBeLessThan(0.9)
    expect(d.shared + d.onlyA).toBe(d.a.distinct)
    expect(d.shared + d.onlyB).toBe(d.b.distinct)
    expect(d.a.distinct + d.a.collisions).toBe(d.a.size)
    expect(d.b.distinct + d.b.collisions).toBe(d.b.size)
    expect(d.union).toBe(d.shared + d.onlyA + d.onlyB)
    expect(d.jaccard).toBeCloseTo(d.shared / d.union, 12)
    expect(d.onlyInA.total).toBe(d.onlyA)
    expect(d.onlyInA.items).toHaveLength(50)
    const ids = d.onlyInA.items.map((t) => t.id)
    expect(ids).toEqual([...ids].sort((x, y) => x - y))
    // an only-in-A token is really absent from B (both vocabularies are byte-level, so raw = readable here)
    const vb = qwen3.tokenizer.getVocab(true)
    for (const t of d.onlyInA.items) expect(vb[t.token]).toBeUndefined()

    const raw = await vocabDiff({ a: llama3, b: qwen3, normalization: 'raw', limit: 0 })
    const va = llama3.tokenizer.getVocab(true)
    const common = Object.keys(va).filter((k) => k in vb).length
    expect(raw.shared).toBe(common)
    expect(raw.normalization.name).toBe('raw')
    expect(d.normalization.description).toMatch(/Ġ/)

    expect(d.special.onlyA).toContain('<|begin_of_text|>')
    expect(d.special.onlyB).toContain('<|im_start|>')
    const section = Object.fromEntries(d.sections.map((s) => [s.section, s]))
    expect(section.normalizer.same).toBe(false)
    expect(section.normalizer.b).toBe('NFC()')
    expect(section.normalizer.a).toBe('none')
    expect(section.pre_tokenizer.paths).toContain('pretokenizers[0].pattern.Regex')
  })

  it('llama3 vs mistral: Ġ and ▁ map to the same readable token, and the remap table gives both ids', async () => {
    const d = await vocabDiff({ a: llama3, b: mistral, remapLimit: 10_000 })
    expect(d.remap.total).toBe(d.shared)
    const row = d.remap.items.find((r) => r.normalized === ' the')
    expect(row).toMatchObject({ aToken: 'Ġthe', bToken: '▁the', aId: llama3.tokenizer.tokenToId('Ġthe'), bId: mistral.tokenizer.tokenToId('▁the') })
    expect(row?.display).toBe('␣the')
    expect(d.remap.truncated).toBe(true)
    // a normal piece wins over SentencePiece's byte piece for the same text ("<0x41>" and "A")
    const a = d.remap.items.find((r) => r.normalized === 'A')
    expect(a?.bToken).toBe('A')
    expect(d.b.collisions).toBeGreaterThan(0)
    // partial UTF-8 pieces are spelled <0xNN> on both sides, so llama3's byte "ð" meets Mistral's <0xF0>
    const f0 = d.remap.items.find((r) => r.normalized === '<0xF0>')
    expect(f0).toMatchObject({ aToken: 'ð', bToken: '<0xF0>' })
    const page2 = await vocabDiff({ a: llama3, b: mistral, remapLimit: 10, remapOffset: 10 })
    expect(page2.remap.items).toEqual(d.remap.items.slice(10, 20))
    const searched = await vocabDiff({ a: llama3, b: mistral, search: 'the', remapLimit: 10_000 })
    expect(searched.remap.total).toBeLessThan(d.remap.total)
    expect(searched.remap.items.every((r) => r.normalized.toLowerCase().includes('the') || r.aToken.toLowerCase().includes('the'))).toBe(true)
    expect(searched.remap.sameId).toBe(d.remap.sameId)
  })

  it('searches and pages the only-in lists', async () => {
    const all = await vocabDiff({ a: qwen3, b: llama3, search: 'im_', limit: 1000 })
    expect(all.onlyInA.items.length).toBeGreaterThan(0)
    expect(all.onlyInA.items.every((t) => t.token.toLowerCase().includes('im_') || t.normalized.toLowerCase().includes('im_'))).toBe(true)
    const p2 = await vocabDiff({ a: qwen3, b: llama3, limit: 5, offset: 5 })
    const p1 = await vocabDiff({ a: qwen3, b: llama3, limit: 10 })
    expect(p2.onlyInA.items).toEqual(p1.onlyInA.items.slice(5, 10))
    const byText = await vocabDiff({ a: qwen3, b: llama3, limit: 20, sort: 'text' })
    const texts = byText.onlyInA.items.map((t) => t.normalized)
    expect(texts).toEqual([...texts].sort())
  })

  it('exports the full lists as CSV', async () => {
    const d = await vocabDiff({ a: mistral, b: llama3, limit: 0 })
    const onlyA = parseCsv(await vocabDiffCsv({ a: mistral, b: llama3, list: 'only-a' }))
    expect(onlyA[0]).toEqual(['id', 'token', 'normalized'])
    expect(onlyA.length - 1).toBe(d.onlyA)
    const onlyB = parseCsv(await vocabDiffCsv({ a: mistral, b: llama3, list: 'only-b' }))
    expect(onlyB.length - 1).toBe(d.onlyB)
    // tokens with commas, quotes and line breaks survive the round trip
    const byId = new Map(onlyB.slice(1).map((r) => [Number(r[0]), r]))
    const nl = llama3.tokenizer.tokenToId('ĊĊ') as number
    expect(byId.get(nl)).toEqual([String(nl), 'ĊĊ', '\n\n'])
    const shared = parseCsv(await vocabDiffCsv({ a: mistral, b: llama3, list: 'shared' }))
    expect(shared[0]).toEqual(['normalized', 'a_id', 'a_token', 'b_id', 'b_token'])
    expect(shared.length - 1).toBe(d.shared)
    expect(csvField('a,"b"')).toBe('"a,""b"""')
    expect(csvField(' x')).toBe('" x"')
    expect(csvField('plain')).toBe('plain')
  })
})
