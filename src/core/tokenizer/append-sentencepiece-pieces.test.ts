import { describe, expect, it } from 'vitest'
import { appendSentencePiecePieces, readPieces } from './append-sentencepiece-pieces'

/** A minimal ModelProto built by hand: pieces, then a trainer_spec-like field 2 after them. */
function proto(pieces: [string, number, number][]): Uint8Array {
  const bytes: number[] = []
  const v = (n: number) => {
    while (n > 127) {
      bytes.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    bytes.push(n)
  }
  for (const [p, score, type] of pieces) {
    const s = Array.from(new TextEncoder().encode(p))
    const f = new Uint8Array(4)
    new DataView(f.buffer).setFloat32(0, score, true)
    const body = [0x0a, s.length, ...s, 0x15, ...f, 0x18, type]
    bytes.push(0x0a)
    v(body.length)
    bytes.push(...body)
  }
  bytes.push(0x12, 2, 0x08, 0x02) // field 2 (trainer_spec) { model_type: BPE }
  return Uint8Array.from(bytes)
}

describe('appendSentencePiecePieces', () => {
  const base = proto([['<unk>', 0, 2], ['<s>', 0, 3], ['</s>', 0, 3], ['▁a', -1, 1], ['b', -2, 1], ['ä', -3, 1]])

  it('appends pieces with the next ids and scores below every existing one; the rest stays byte for byte', () => {
    const { model, oldSize, newSize } = appendSentencePiecePieces({ model: base, pieces: ['▁ab', 'καλη'] })
    expect([oldSize, newSize]).toEqual([6, 8])
    expect(Buffer.from(model.subarray(0, base.length)).equals(Buffer.from(base))).toBe(true)
    const pieces = readPieces(model)
    expect(pieces.map((p) => p.piece)).toEqual(['<unk>', '<s>', '</s>', '▁a', 'b', 'ä', '▁ab', 'καλη'])
    expect(pieces.slice(6).map((p) => [p.score, p.type])).toEqual([[-4, 1], [-5, 1]])
  })

  it('refuses duplicates and malformed files', () => {
    expect(() => appendSentencePiecePieces({ model: base, pieces: ['b'] })).toThrow(expect.objectContaining({ code: 'TOKENIZER' }))
    expect(() => readPieces(Uint8Array.from([0x0a, 0x50, 1, 2]))).toThrow(expect.objectContaining({ code: 'TOKENIZER' }))
  })
})

describe('a real SentencePiece model (trained with sentencepiece, see test/fixtures/sentencepiece)', () => {
  it('reads its 300 pieces and appends after them, keeping the file as a prefix', async () => {
    const { readFileSync } = await import('node:fs')
    const model = new Uint8Array(readFileSync(new URL('../../../test/fixtures/sentencepiece/tiny-bpe.model', import.meta.url)))
    const pieces = readPieces(model)
    expect(pieces.length).toBe(300)
    expect(pieces[0]).toMatchObject({ piece: '<unk>', type: 2 })
    expect(pieces.filter((p) => p.type === 6).length).toBe(256)
    const res = appendSentencePiecePieces({ model, pieces: ['▁graftology'] })
    expect(readPieces(res.model)[300]).toMatchObject({ piece: '▁graftology', type: 1 })
    expect(Buffer.from(res.model.subarray(0, model.length)).equals(Buffer.from(model))).toBe(true)
  })
})
