import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toErrorInfo } from './errors'

describe('toErrorInfo: file-system errors a user can fix are never "a bug in Graft"', () => {
  it('EISDIR, ELOOP and ENOTDIR from anywhere name the path with a hint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-errors-'))
    try {
      await symlink('loop', join(dir, 'loop'))
      await writeFile(join(dir, 'plain'), 'x')
      const cases = [
        [await readFile(dir).catch((e: unknown) => e), 'BAD_REQUEST', /is a directory/],
        [await readFile(join(dir, 'loop')).catch((e: unknown) => e), 'BAD_REQUEST', /symbolic link that loops/],
        [await readFile(join(dir, 'plain', 'x')).catch((e: unknown) => e), 'NOT_FOUND', /a part of it is a file/],
      ] as const
      for (const [err, code, message] of cases) {
        const info = toErrorInfo(err, '/fallback/name')
        expect(info.code).toBe(code)
        expect(info.message).toMatch(message)
        expect(info.hint).toBeTruthy()
        expect(info.hint).not.toMatch(/bug in Graft/)
        expect(info.file).toBeTruthy()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
