import { describe, expect, it } from 'vitest'
import type { LibraryEntry } from '../../../shared/api'
import { entryProblem } from './entry-problem'

const e = (over: Partial<LibraryEntry>) => ({ path: '/x', origin: 'folder', kind: 'model', ...over }) as LibraryEntry

describe('entryProblem', () => {
  it('tells an unfinished download, an empty folder and an unreadable one apart', () => {
    expect(entryProblem(e({ origin: 'hf-cache', incomplete: true, error: { code: 'NOT_FOUND', message: '' } }))).toBe('incomplete download')
    expect(entryProblem(e({ error: { code: 'NOT_A_MODEL', message: '' } }))).toBe('no model')
    expect(entryProblem(e({ error: { code: 'BAD_CONFIG', message: '' } }))).toBe('unreadable')
  })
})
