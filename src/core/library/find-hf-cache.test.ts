import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findHfCache, hfCacheDir, repoIdFromFolder } from './find-hf-cache'

describe('hfCacheDir', () => {
  const home = '/home/u'
  it('follows huggingface_hub precedence', () => {
    expect(hfCacheDir({ HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c', XDG_CACHE_HOME: '/d' }, home)).toBe('/a')
    expect(hfCacheDir({ HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c', XDG_CACHE_HOME: '/d' }, home)).toBe('/b')
    expect(hfCacheDir({ HF_HOME: '/c', XDG_CACHE_HOME: '/d' }, home)).toBe('/c/hub')
    expect(hfCacheDir({ XDG_CACHE_HOME: '/d' }, home)).toBe('/d/huggingface/hub')
    expect(hfCacheDir({}, home)).toBe('/home/u/.cache/huggingface/hub')
    expect(hfCacheDir({ HF_HUB_CACHE: '' , HF_HOME: '~/hf' }, home)).toBe('/home/u/hf/hub')
  })
  it('maps folder names to repo ids', () => {
    expect(repoIdFromFolder('models--meta-llama--Llama-3.2-1B')).toBe('meta-llama/Llama-3.2-1B')
    expect(repoIdFromFolder('models--gpt2')).toBe('gpt2')
    expect(repoIdFromFolder('datasets--squad')).toBeNull()
    expect(repoIdFromFolder('version.txt')).toBeNull()
  })
})

describe('findHfCache', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graft-hf-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('resolves refs/main, else the newest snapshot, and skips other repo types', async () => {
    const a = join(dir, 'models--org--a')
    await mkdir(join(a, 'snapshots', 'aaa111'), { recursive: true })
    await mkdir(join(a, 'snapshots', 'bbb222'), { recursive: true })
    await mkdir(join(a, 'refs'), { recursive: true })
    await writeFile(join(a, 'refs', 'main'), 'aaa111\n')
    const b = join(dir, 'models--b')
    await mkdir(join(b, 'snapshots', 'old'), { recursive: true })
    await mkdir(join(b, 'snapshots', 'new'), { recursive: true })
    await utimes(join(b, 'snapshots', 'old'), new Date(1_000_000), new Date(1_000_000))
    await utimes(join(b, 'snapshots', 'new'), new Date(2_000_000), new Date(2_000_000))
    await mkdir(join(dir, 'datasets--x--y', 'snapshots', 's'), { recursive: true })
    await mkdir(join(dir, 'models--empty'), { recursive: true })
    const { repos } = await findHfCache({ dir })
    expect(repos.map((r) => [r.repoId, r.revision, r.fromRefsMain])).toEqual([
      ['b', 'new', false],
      ['org/a', 'aaa111', true],
    ])
    expect(repos[1].snapshotDir).toBe(join(a, 'snapshots', 'aaa111'))
  })

  it('treats a stale refs/main as absent and a missing cache as empty', async () => {
    const a = join(dir, 'models--org--a')
    await mkdir(join(a, 'snapshots', 'only'), { recursive: true })
    await mkdir(join(a, 'refs'), { recursive: true })
    await writeFile(join(a, 'refs', 'main'), 'gone')
    expect((await findHfCache({ dir })).repos.map((r) => r.revision)).toEqual(['only'])
    expect((await findHfCache({ dir: join(dir, 'nope') })).repos).toEqual([])
    expect((await findHfCache({ env: { HF_HUB_CACHE: dir } })).dir).toBe(dir)
  })
})
