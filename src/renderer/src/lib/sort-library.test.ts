import { describe, expect, it } from 'vitest'
import type { LibraryEntry } from '../../../shared/api'
import { sortLibrary } from './sort-library'

const e = (name: string, over: Partial<LibraryEntry> = {}): LibraryEntry => ({
  path: `/m/${name}`,
  kind: 'model',
  origin: 'folder',
  name,
  architecture: 'LlamaForCausalLM',
  modelType: 'llama',
  paramCount: 1,
  dtype: 'BF16',
  vocabSize: 1,
  embedRows: 1,
  tied: false,
  shardCount: 1,
  sizeBytes: 1,
  ...over,
})

const names = (l: LibraryEntry[]) => l.map((x) => x.name)

describe('sortLibrary', () => {
  const list = [e('zeta', { sizeBytes: 5, paramCount: 9 }), e('broken', { error: { code: 'NOT_A_MODEL', message: 'x' } }), e('alpha', { sizeBytes: 50, kind: 'adapter', paramCount: 1 }), e('mid', { kind: 'tokenizer', sizeBytes: 20, paramCount: null, architecture: 'Qwen2Tokenizer' })]
  it('keeps the scan order for "where found"', () => {
    expect(names(sortLibrary(list, '', 'found'))).toEqual(['zeta', 'broken', 'alpha', 'mid'])
  })
  it('sorts by name, kind, size or parameters, unreadable folders last', () => {
    expect(names(sortLibrary(list, '', 'name'))).toEqual(['alpha', 'mid', 'zeta', 'broken'])
    expect(names(sortLibrary(list, '', 'kind'))).toEqual(['zeta', 'alpha', 'mid', 'broken'])
    expect(names(sortLibrary(list, '', 'size'))).toEqual(['alpha', 'mid', 'zeta', 'broken'])
    expect(names(sortLibrary(list, '', 'params'))).toEqual(['zeta', 'alpha', 'mid', 'broken'])
  })
  it('filters on every word, across name, path, kind and architecture', () => {
    expect(names(sortLibrary(list, 'qwen', 'name'))).toEqual(['mid'])
    expect(names(sortLibrary(list, 'ADAPTER /m/', 'name'))).toEqual(['alpha'])
    expect(names(sortLibrary(list, 'unreadable', 'name'))).toEqual(['broken'])
    expect(sortLibrary(list, 'nothing-matches', 'name')).toEqual([])
  })
  it('leaves the input untouched', () => {
    const copy = [...list]
    sortLibrary(list, '', 'size')
    expect(list).toEqual(copy)
  })
})
