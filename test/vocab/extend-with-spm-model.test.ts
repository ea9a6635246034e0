import { describe, expect, it } from 'vitest'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { readPieces } from '../../src/core/tokenizer/append-sentencepiece-pieces'
import { tempDir } from '../helpers/tiny-model'

const DEMO = join(__dirname, '../../resources/demo/base')

/** A tokenizer.model whose pieces are the tokenizer.json vocabulary, in id order (what a real one holds). */
function spmFromVocab(vocab: Record<string, number>): Uint8Array {
  const pieces = Object.entries(vocab).sort((a, b) => a[1] - b[1])
  const out: number[] = []
  const v = (n: number) => {
    while (n > 127) {
      out.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    out.push(n)
  }
  pieces.forEach(([p], i) => {
    const s = Array.from(new TextEncoder().encode(p))
    const f = new Uint8Array(4)
    new DataView(f.buffer).setFloat32(0, -i, true)
    const body: number[] = [0x0a]
    const len: number[] = []
    let n = s.length
    while (n > 127) {
      len.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    len.push(n)
    body.push(...len, ...s, 0x15, ...f, 0x18, i < 3 ? 3 : 1)
    out.push(0x0a)
    v(body.length)
    out.push(...body)
  })
  return Uint8Array.from(out)
}

describe('tokens extend with a tokenizer.model present', () => {
  it('appends the same pieces at the same ids to tokenizer.model', async () => {
    const dir = join(await tempDir(), 'base')
    await mkdir(dir)
    await cp(DEMO, dir, { recursive: true })
    const tj = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'))
    await writeFile(join(dir, 'tokenizer.model'), spmFromVocab(tj.model.vocab))
    const out = join(await tempDir(), 'out')
    const res = await planAddTokens({ base: dir, out, tokens: [{ content: ' καλημέρα', special: false }], init: 'trained-mean', mode: 'vocab' })
    await executePlan({ plan: res.plan, runner: inProcessRunner() })
    const pieces = readPieces(new Uint8Array(await readFile(join(out, 'tokenizer.model'))))
    const newTj = JSON.parse(await readFile(join(out, 'tokenizer.json'), 'utf8'))
    expect(pieces.length).toBe(32000 + res.added.length)
    for (const a of res.added) {
      expect(pieces[a.id].piece).toBe(a.content)
      expect(newTj.model.vocab[a.content]).toBe(a.id)
    }
    expect(res.plan.warnings.some((w) => w.message.includes('tokenizer.model gets the same'))).toBe(true)
  })
})
