import { describe, expect, it } from 'vitest'
import { describeExtension } from './describe-extension'

describe('describeExtension', () => {
  it('lists the requested tokens with their old split, every new piece with its role, and the merges', () => {
    const notes = describeExtension({
      tokens: [
        { content: ' Graftwork', piece: '▁Graftwork', id: 32001, existing: false, before: ['▁G', 'raft', 'work'], reachable: true, probe: 'Graftwork', via: 'pipeline', probeTokens: ['▁Graftwork'] },
        { content: 'xq', piece: 'xq', id: 32002, existing: false, before: ['x', 'q'], reachable: false, probe: 'xq', via: 'model', probeTokens: ['x', 'q'] },
      ],
      newEntries: [
        { piece: '▁Graft', id: 32000, role: 'intermediate' },
        { piece: '▁Graftwork', id: 32001, role: 'requested' },
        { piece: 'xq', id: 32002, role: 'requested' },
      ],
      merges: [
        ['▁G', 'raft'],
        ['▁Graft', 'work'],
        ['x', 'q'],
      ],
    })
    expect(notes.map((n) => n.code)).toEqual(['VOCAB_TOKENS', 'VOCAB_PIECES', 'VOCAB_MERGES'])
    expect(notes[0].message).toBe(
      '2 token(s) become single vocabulary pieces: " Graftwork" → ▁Graftwork (id 32001; was 3 pieces: ▁G · raft · work), "xq" → xq (id 32002; was 2 pieces: x · q) [kept with force: ordinary tokenization does not produce it].',
    )
    expect(notes[1].message).toBe("3 piece(s) appended to tokenizer.json's model.vocab at ids 32000–32002 (2 requested, 1 partial (steps of the merge chains)): ▁Graft (partial), ▁Graftwork, xq.")
    expect(notes[2].message).toContain('3 merge(s) appended after the existing ones')
    expect(notes[2].message).toContain('▁G + raft, ▁Graft + work, x + q.')
  })

  it('counts characters that used byte fallback, and shortens long lists', () => {
    const newEntries = Array.from({ length: 25 }, (_, i) => ({ piece: `c${i}`, id: 100 + i, role: 'character' as const }))
    const [pieces] = describeExtension({ tokens: [], newEntries, merges: [] })
    expect(pieces.code).toBe('VOCAB_PIECES')
    expect(pieces.message).toContain('(25 character(s) that used byte fallback): c0 (character),')
    expect(pieces.message).toMatch(/c19 \(character\), … and 5 more\.$/)
  })

  it('says nothing when nothing is added', () => {
    expect(describeExtension({ tokens: [], newEntries: [], merges: [] })).toEqual([])
  })
})
