import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { listCorpusFiles, readCorpusFile, type CorpusReadStats } from './read-corpus'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graft-corpus-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('corpus inputs', () => {
  it('lists a bad .jsonl line by number without quoting any of it (the list crosses the API)', async () => {
    await writeFile(join(dir, 'leak.jsonl'), 'AKIA-SECRET-KEY-1234\n{"text": "ok"}\n')
    const [file] = await listCorpusFiles(join(dir, 'leak.jsonl'))
    const stats: CorpusReadStats = { bytesRead: 0, skipped: 0, longLinesSplit: 0, badRecords: 0, problems: [] }
    const docs = []
    for await (const d of readCorpusFile({ file, stats })) docs.push(d.text)
    expect(docs).toEqual(['ok'])
    expect(stats.problems).toEqual(['leak.jsonl:1: not valid JSON'])
    expect(stats.problems.join('')).not.toMatch(/AKIA|SECRE/)
  })

  it.each([
    ['/dev/zero', () => '/dev/zero', /is a character device, not a folder or a file/],
    ['a named pipe', () => (execFileSync('mkfifo', [join(dir, 'corpus.fifo')]), join(dir, 'corpus.fifo')), /is a named pipe \(FIFO\), not a folder or a file/],
  ])('refuses %s as a corpus with a clean error naming it', async (_what, make, message) => {
    const p = make()
    const err = await listCorpusFiles(p).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GraftError)
    expect(err).toMatchObject({ code: 'BAD_REQUEST', file: p, message: expect.stringMatching(message) })
    expect((err as GraftError).hint).toBeTruthy()
  })
})
