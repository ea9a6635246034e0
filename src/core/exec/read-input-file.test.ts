import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { checkInputFile, inputKind, jsonErrorPlace, openInputFileSync, readInputText, readInputTextIfExists } from './read-input-file'

let dir: string
const fifos: string[] = []

/** A named pipe nobody writes to: opening it for reading without O_NONBLOCK blocks forever. */
function mkfifo(p: string): string {
  execFileSync('mkfifo', [p])
  fifos.push(p)
  return p
}

/** Fails instead of hanging when a read blocks (the bug this file guards against). */
async function settle<T>(p: Promise<T>, ms = 3000): Promise<unknown> {
  return Promise.race([p.then((v) => ({ value: v }), (e: unknown) => e), new Promise((r) => setTimeout(() => r(new Error(`still blocked after ${ms} ms`)), ms))])
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graft-input-'))
})
afterAll(async () => {
  // Release any reader a regression left blocked on a pipe, so the test process can end.
  for (const f of fifos) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      /* no reader waiting */
    }
  }
  await rm(dir, { recursive: true, force: true })
})

describe('readInputText: only regular files, never blocking', () => {
  it('reads a regular file and a link to one', async () => {
    await writeFile(join(dir, 'ok.json'), '{"a": 1}')
    await symlink('ok.json', join(dir, 'link.json'))
    expect(await readInputText(join(dir, 'ok.json'))).toBe('{"a": 1}')
    expect(await readInputText(join(dir, 'link.json'))).toBe('{"a": 1}')
  })

  it.each([
    ['a directory', async (p: string) => void (await mkdir(p)), /is a directory, not a file/],
    ['a named pipe', async (p: string) => void mkfifo(p), /is a named pipe \(FIFO\), not a file/],
    ['a link to a named pipe', async (p: string) => void (await symlink(mkfifo(p + '.fifo'), p)), /is a named pipe/],
    ['a looping link', async (p: string) => void (await symlink(p, p)), /symbolic link that loops/],
    ['a link to /dev/zero', async (p: string) => void (await symlink('/dev/zero', p)), /is a character device, not a file/],
  ])('refuses %s at once with the code asked for, naming the path and saying what to do', async (what, make, message) => {
    const p = join(dir, `config-${what.replace(/\W+/g, '-')}.json`)
    await make(p)
    const started = Date.now()
    const err = await settle(readInputText(p, { code: 'NOT_A_MODEL' }))
    expect(err).toBeInstanceOf(GraftError)
    const g = err as GraftError
    expect(g.code).toBe('NOT_A_MODEL')
    expect(g.message).toContain(p)
    expect(g.message).toMatch(message)
    expect(g.file).toBe(p)
    expect(g.hint).toBeTruthy()
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('says NOT_FOUND for a missing file or a dangling link, and a parent that is a file', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling.json'))
    await writeFile(join(dir, 'plain'), 'x')
    for (const p of [join(dir, 'missing.json'), join(dir, 'dangling.json'), join(dir, 'plain', 'x.json')]) {
      const err = await settle(readInputText(p))
      expect((err as GraftError).code, p).toBe('NOT_FOUND')
      expect((err as GraftError).message, p).toContain(p)
    }
    expect(await readInputTextIfExists(join(dir, 'missing.json'))).toBeUndefined()
  })

  it('refuses a file over the size cap before reading it', async () => {
    await writeFile(join(dir, 'big.txt'), 'x'.repeat(5000))
    const err = await settle(readInputText(join(dir, 'big.txt'), { maxBytes: 4096 }))
    expect((err as GraftError).code).toBe('BAD_REQUEST')
    expect((err as GraftError).message).toMatch(/big\.txt is larger than 4096 bytes/)
  })

  it('keeps the fs thread pool free: reads of eight pipes never stall an ordinary read', async () => {
    // libuv has four fs threads; a blocking open of a FIFO holds one for good (web mode starved).
    const pipes = Array.from({ length: 8 }, (_, i) => mkfifo(join(dir, `starve-${i}.json`)))
    const pending = pipes.map((p) => settle(readInputText(p), 5000))
    await writeFile(join(dir, 'after.json'), '{}')
    const started = Date.now()
    const text = await settle(readInputText(join(dir, 'after.json')), 3000)
    expect(text).toEqual({ value: '{}' })
    expect(Date.now() - started).toBeLessThan(3000)
    for (const r of await Promise.all(pending)) expect((r as GraftError).code).toBe('BAD_REQUEST')
  })

  it('the synchronous opener (worker threads) refuses pipes and devices too', () => {
    const p = mkfifo(join(dir, 'sync.fifo'))
    expect(() => openInputFileSync(p)).toThrow(/named pipe/)
    expect(() => openInputFileSync('/dev/zero')).toThrow(/character device/)
  })
})

describe('checkInputFile / inputKind', () => {
  it('classifies without opening', async () => {
    await mkdir(join(dir, 'sub'))
    await symlink('loop-a', join(dir, 'loop-b'))
    await symlink('loop-b', join(dir, 'loop-a'))
    expect((await inputKind(join(dir, 'sub'))).kind).toBe('dir')
    expect((await inputKind(join(dir, 'loop-a'))).kind).toBe('loop')
    expect((await inputKind(mkfifo(join(dir, 'k.fifo')))).kind).toBe('special')
    expect((await inputKind(join(dir, 'gone'))).kind).toBe('missing')
    await expect(checkInputFile(join(dir, 'sub'), { code: 'TOKENIZER' })).rejects.toMatchObject({ code: 'TOKENIZER' })
  })
})

describe('jsonErrorPlace', () => {
  it('gives the line and column without quoting the text', () => {
    const secret = 'AKIA-SECRET-KEY'
    expect(jsonErrorPlace('{\n  "a": 1,\n  ' + secret + '\n}')).toBe('line 3, column 3')
    expect(jsonErrorPlace('{"a": 1}')).toBeNull()
    expect(jsonErrorPlace(secret)).not.toContain('AKIA')
  })
})
