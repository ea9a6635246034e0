import { GraftError } from '../errors'

/**
 * Appends pieces to a SentencePiece `tokenizer.model` (a serialized ModelProto), so the slow
 * tokenizer knows the same new ids as tokenizer.json. The proto's `pieces` field (1) is repeated,
 * and repeated entries are read in order wherever they stand in the message, so new entries
 * appended at the end of the file get the next ids; nothing else in the file changes.
 *
 * Each new piece is `{piece: 1 (string), score: 2 (float), type: 3 (enum NORMAL = 1)}`. Scores
 * continue below the lowest existing score, so for a BPE model the new pieces merge last (as the
 * merges Graft appends to tokenizer.json rank last).
 */
export function appendSentencePiecePieces(opts: { model: Uint8Array; pieces: string[]; file?: string }): { model: Uint8Array; oldSize: number; newSize: number } {
  const { model } = opts
  const file = opts.file ?? 'tokenizer.model'
  const existing = readPieces(model, file)
  const have = new Set(existing.map((p) => p.piece))
  for (const p of opts.pieces) if (have.has(p)) throw new GraftError('TOKENIZER', `${file} already has the piece ${JSON.stringify(p)}.`, { file })
  let minScore = existing.reduce((m, p) => (p.type === 1 && p.score < m ? p.score : m), 0)
  const parts: Uint8Array[] = [model]
  for (const piece of opts.pieces) {
    minScore -= 1
    const body = concat([field(1, 2, utf8(piece)), tag(2, 5), f32(minScore), tag(3, 0), varint(1)])
    parts.push(field(1, 2, body))
  }
  return { model: concat(parts), oldSize: existing.length, newSize: existing.length + opts.pieces.length }
}

export interface SentencePiece {
  piece: string
  score: number
  /** 1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE. */
  type: number
}

/** Reads the `pieces` of a ModelProto, in id order. */
export function readPieces(model: Uint8Array, file = 'tokenizer.model'): SentencePiece[] {
  const out: SentencePiece[] = []
  const r = new Reader(model, file)
  while (!r.done()) {
    const { field: f, wire } = r.tag()
    if (f === 1 && wire === 2) {
      const sub = new Reader(r.bytes(), file)
      const p: SentencePiece = { piece: '', score: 0, type: 1 }
      while (!sub.done()) {
        const t = sub.tag()
        if (t.field === 1 && t.wire === 2) p.piece = new TextDecoder('utf-8', { fatal: true }).decode(sub.bytes())
        else if (t.field === 2 && t.wire === 5) p.score = sub.float()
        else if (t.field === 3 && t.wire === 0) p.type = sub.varint()
        else sub.skip(t.wire)
      }
      out.push(p)
    } else r.skip(wire)
  }
  return out
}

class Reader {
  i = 0
  constructor(
    private readonly b: Uint8Array,
    private readonly file: string,
  ) {}
  done(): boolean {
    return this.i >= this.b.length
  }
  fail(): never {
    throw new GraftError('TOKENIZER', `${this.file} is not a valid SentencePiece model (protobuf ends early or is malformed at byte ${this.i}).`, { file: this.file })
  }
  varint(): number {
    let x = 0
    let mul = 1
    for (let k = 0; k < 10; k++) {
      if (this.i >= this.b.length) this.fail()
      const c = this.b[this.i++]
      x += (c & 0x7f) * mul
      if (!(c & 0x80)) return x
      mul *= 128
    }
    this.fail()
  }
  tag(): { field: number; wire: number } {
    const t = this.varint()
    return { field: Math.floor(t / 8), wire: t & 7 }
  }
  bytes(): Uint8Array {
    const n = this.varint()
    if (this.i + n > this.b.length) this.fail()
    const s = this.b.subarray(this.i, this.i + n)
    this.i += n
    return s
  }
  float(): number {
    if (this.i + 4 > this.b.length) this.fail()
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.i, 4).getFloat32(0, true)
    this.i += 4
    return v
  }
  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.i += 8
    else if (wire === 2) this.bytes()
    else if (wire === 5) this.i += 4
    else this.fail()
    if (this.i > this.b.length) this.fail()
  }
}

function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}
function tag(f: number, wire: number): Uint8Array {
  return varint(f * 8 + wire)
}
function field(f: number, wire: 2, body: Uint8Array): Uint8Array {
  return concat([tag(f, wire), varint(body.length), body])
}
function f32(x: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setFloat32(0, x, true)
  return b
}
function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
