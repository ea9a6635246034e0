import { describe, expect, it } from 'vitest'
import { checkBlobName, checkRepoId, checkRevision, remotePathProblem, resolveInside } from './check-remote-names'
import { globToRegExp, selectFiles } from './select-files'

describe('remote names', () => {
  it('refuses absolute paths, .. segments, backslashes, NUL and escapes', () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a\\..\\x', 'C:/x', 'a\0b', 'a//b', './a', '', 'a/./b']) {
      expect(remotePathProblem(bad), bad).not.toBeNull()
      expect(() => resolveInside('/cache/snap', bad), bad).toThrow(/Refused/)
    }
    for (const ok of ['config.json', 'sub/dir/model.safetensors', 'weird name (1).json', '..hidden', 'a..b']) {
      expect(remotePathProblem(ok), ok).toBeNull()
      expect(resolveInside('/cache/snap', ok).startsWith('/cache/snap/')).toBe(true)
    }
  })

  it('validates repo ids, revisions and blob names', () => {
    expect(checkRepoId('org/name-1.5')).toBe('org/name-1.5')
    expect(checkRepoId('gpt2')).toBe('gpt2')
    for (const bad of ['../x', 'a/b/c', 'a--b/c', 'a/b.git', '/abs', 'a b/c']) expect(() => checkRepoId(bad), bad).toThrow()
    expect(checkRevision('refs/pr/1')).toBe('refs/pr/1')
    for (const bad of ['../main', 'a//b', '/main', 'a\\b', '']) expect(() => checkRevision(bad), bad).toThrow()
    expect(() => checkBlobName('../../x', 'f')).toThrow()
    expect(checkBlobName('a'.repeat(64), 'f')).toHaveLength(64)
  })
})

describe('file selection', () => {
  const files = ['model.safetensors', 'config.json', 'sub/extra.json', 'tokenizer.model', 'merges.txt', 'README.md', 'pytorch_model.bin', 'optimizer.pt', 'image.png'].map((path) => ({ path }))
  it('default: safetensors, json, tokenizer and card files; never pickles', () => {
    const s = selectFiles(files)
    expect(s.selected.map((f) => f.path).sort()).toEqual(['README.md', 'config.json', 'merges.txt', 'model.safetensors', 'sub/extra.json', 'tokenizer.model'])
    expect(s.skipped).toEqual([])
  })
  it('explicit patterns; pickles only with allowPickles', () => {
    expect(selectFiles(files, { include: ['*.bin'] }).selected).toEqual([])
    expect(selectFiles(files, { include: ['*.bin'] }).skipped[0].path).toBe('pytorch_model.bin')
    expect(selectFiles(files, { include: ['*.bin'], allowPickles: true }).selected.map((f) => f.path)).toEqual(['pytorch_model.bin'])
    expect(selectFiles(files, { include: ['sub/'] }).selected.map((f) => f.path)).toEqual(['sub/extra.json'])
    expect(globToRegExp('model-[0-9]*.safetensors').test('model-00001-of-00002.safetensors')).toBe(true)
  })
})
