import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rememberBaseModelChoice, repoFromPath, resolveBaseModel } from '../../src/core/hub/resolve-base-model'
import { tempDir } from './fixtures'

let root: string
let cleanup: () => Promise<void>
let cache: string
const SHA1 = '1'.repeat(40)
const SHA2 = '2'.repeat(40)

async function cachedRepo(repo: string, shas: string[], refsMain?: string) {
  const dir = join(cache, `models--${repo.split('/').join('--')}`)
  for (const [i, sha] of shas.entries()) {
    await mkdir(join(dir, 'snapshots', sha), { recursive: true })
    await writeFile(join(dir, 'snapshots', sha, 'config.json'), '{}')
    const t = new Date(Date.UTC(2025, 0, 1 + i))
    await utimes(join(dir, 'snapshots', sha), t, t)
  }
  if (refsMain) {
    await mkdir(join(dir, 'refs'), { recursive: true })
    await writeFile(join(dir, 'refs', 'main'), refsMain)
  }
}

beforeEach(async () => {
  ;({ dir: root, cleanup } = await tempDir('graft-base-'))
  cache = join(root, 'hub')
  await mkdir(cache)
})
afterEach(() => cleanup())

describe('resolveBaseModel', () => {
  it('a repo id in the cache resolves to the refs/main snapshot', async () => {
    await cachedRepo('meta-llama/Llama-3.2-1B', [SHA1, SHA2], SHA1)
    const r = await resolveBaseModel({ name: 'meta-llama/Llama-3.2-1B', cacheDir: cache })
    expect(r.repo).toBe('meta-llama/Llama-3.2-1B')
    expect(r.candidates[0]).toMatchObject({ kind: 'cache', repo: 'meta-llama/Llama-3.2-1B', revision: SHA1, fromRefsMain: true, path: join(cache, 'models--meta-llama--Llama-3.2-1B', 'snapshots', SHA1) })
    expect(r.candidates.some((c) => c.kind === 'download')).toBe(false)
  })

  it('without refs/main, the newest snapshot', async () => {
    await cachedRepo('org/m', [SHA1, SHA2])
    const r = await resolveBaseModel({ name: 'org/m', cacheDir: cache })
    expect(r.candidates[0]).toMatchObject({ kind: 'cache', revision: SHA2, fromRefsMain: false })
  })

  it('a repo id not on this machine becomes a download to confirm', async () => {
    const r = await resolveBaseModel({ name: 'Qwen/Qwen2.5-0.5B', cacheDir: cache })
    expect(r.candidates).toEqual([{ kind: 'download', repo: 'Qwen/Qwen2.5-0.5B', guessed: false, reason: expect.any(String) }])
  })

  it('an existing local folder is used as is', async () => {
    const base = join(root, 'my-base')
    await mkdir(base)
    const r = await resolveBaseModel({ name: base, cacheDir: cache })
    expect(r.candidates[0]).toEqual({ kind: 'folder', path: base, reason: expect.any(String) })
  })

  it('a foreign absolute path: the cache repo its models--… folder names, or a guess from the last two folders', async () => {
    await cachedRepo('meta-llama/Llama-3.2-1B', [SHA1], SHA1)
    const fromCachePath = await resolveBaseModel({ name: `/home/bob/.cache/huggingface/hub/models--meta-llama--Llama-3.2-1B/snapshots/${SHA2}`, cacheDir: cache })
    expect(fromCachePath.repo).toBe('meta-llama/Llama-3.2-1B')
    expect(fromCachePath.candidates[0]).toMatchObject({ kind: 'cache', repo: 'meta-llama/Llama-3.2-1B', revision: SHA1 })
    const byName = await resolveBaseModel({ name: 'C:\\Users\\bob\\models\\Llama-3.2-1B', cacheDir: cache })
    expect(byName.candidates[0]).toMatchObject({ kind: 'cache', repo: 'meta-llama/Llama-3.2-1B' })
    const guess = await resolveBaseModel({ name: '/data/weights/mistralai/Mistral-7B-v0.1', cacheDir: cache })
    expect(guess.candidates).toEqual([{ kind: 'download', repo: 'mistralai/Mistral-7B-v0.1', guessed: true, reason: expect.any(String) }])
    expect(repoFromPath('/x')).toBeNull()
  })

  it('a relative path is tried against the adapter folder', async () => {
    const adapter = join(root, 'runs', 'lora')
    await mkdir(join(root, 'runs', 'base'), { recursive: true })
    await mkdir(adapter)
    const r = await resolveBaseModel({ name: '../base', cacheDir: cache, adapterDir: adapter })
    expect(r.candidates[0]).toEqual({ kind: 'folder', path: join(root, 'runs', 'base'), reason: expect.any(String) })
  })

  it('remembers the user\'s choice and puts it first while it still exists', async () => {
    const choicesFile = join(root, 'state', 'base-models.json')
    const chosen = join(root, 'chosen-base')
    await mkdir(chosen)
    await cachedRepo('org/m', [SHA1], SHA1)
    await rememberBaseModelChoice({ choicesFile, name: '/home/alice/org/m', choice: { kind: 'folder', path: chosen, reason: 'chosen by the user' } })
    const r = await resolveBaseModel({ name: '/home/alice/org/m', cacheDir: cache, choicesFile })
    expect(r.remembered).toMatchObject({ kind: 'folder', path: chosen })
    expect(r.candidates[0]).toMatchObject({ kind: 'folder', path: chosen })
    expect(r.candidates[1]).toMatchObject({ kind: 'cache', repo: 'org/m' })
    expect(JSON.parse(await readFile(choicesFile, 'utf8'))).toMatchObject({ version: 1 })
    // A remembered folder that was deleted is ignored; forgetting removes it.
    await rememberBaseModelChoice({ choicesFile, name: 'x/y', choice: { kind: 'folder', path: join(root, 'gone'), reason: '' } })
    expect((await resolveBaseModel({ name: 'x/y', cacheDir: cache, choicesFile })).remembered).toBeNull()
    await rememberBaseModelChoice({ choicesFile, name: '/home/alice/org/m', choice: null })
    expect((await resolveBaseModel({ name: '/home/alice/org/m', cacheDir: cache, choicesFile })).remembered).toBeNull()
  })
})
