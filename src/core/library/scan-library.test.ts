import { mkdir, mkdtemp, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { scanLibrary } from './scan-library'
import { makeTinyAdapter, makeTinyModel, tokenizerJson } from './make-test-folders'

describe('scanLibrary', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-lib-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('lists demo entries first, then folders, then the HF cache, with header-derived facts', async () => {
    const demo = join(root, 'demo')
    await makeTinyModel(join(demo, 'base'), { vocab: 16 })
    await makeTinyAdapter(join(demo, 'adapter'), { vocab: 16, added: 3 })
    const models = join(root, 'models')
    await makeTinyModel(join(models, 'org', 'tied'), { vocab: 8, tie: true, tokenizer: false })
    const cache = join(root, 'hub')
    const repo = join(cache, 'models--acme--tiny')
    await makeTinyModel(join(root, 'blob-src'), { vocab: 12 })
    await mkdir(join(repo, 'blobs'), { recursive: true })
    await mkdir(join(repo, 'snapshots', 'c0ffee'), { recursive: true })
    await mkdir(join(repo, 'refs'), { recursive: true })
    await writeFile(join(repo, 'refs', 'main'), 'c0ffee')
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) {
      await writeFile(join(repo, 'blobs', `etag-${f}`), await readFile(join(root, 'blob-src', f)))
      await symlink(`../../blobs/etag-${f}`, join(repo, 'snapshots', 'c0ffee', f))
    }

    const entries = await scanLibrary({ folders: [models, demo], includeHfCache: true, hfCacheDir: cache, demoDir: demo })
    expect(entries.map((e) => [e.origin, e.kind, e.name])).toEqual([
      ['demo', 'adapter', 'demo/adapter'],
      ['demo', 'model', 'demo/base'],
      ['folder', 'model', 'models/org/tied'],
      ['hf-cache', 'model', 'acme/tiny'],
    ])
    const [adapter, base, tied, hub] = entries
    expect(base).toMatchObject({ architecture: 'LlamaForCausalLM', modelType: 'llama', dtype: 'BF16', vocabSize: 16, embedRows: 16, tied: false, shardCount: 1, tokenizerSize: 16 })
    expect(base.paramCount).toBe(16 * 4 * 2 + 4 * 4 + 4)
    expect(base.sizeBytes).toBeGreaterThan((await stat(join(demo, 'base', 'model.safetensors'))).size)
    expect(base.error).toBeUndefined()
    expect(adapter).toMatchObject({ kind: 'adapter', architecture: 'LORA', embedRows: 19, tokenizerSize: 19, vocabSize: 19, shardCount: 1, dtype: 'F32' })
    expect(adapter.adapter).toEqual({ baseModel: 'tiny/base', r: 2, targetModules: ['q_proj'], useDora: false, modulesToSave: ['embed_tokens', 'lm_head'] })
    expect(tied).toMatchObject({ tied: true, vocabSize: 8, embedRows: 8 })
    expect(tied.tokenizerSize).toBeUndefined()
    expect(hub).toMatchObject({ repoId: 'acme/tiny', vocabSize: 12, path: join(repo, 'snapshots', 'c0ffee') })
    // Symlinks into blobs/ are followed for sizes.
    expect(hub.sizeBytes).toBeGreaterThan((await stat(join(repo, 'blobs', 'etag-model.safetensors'))).size)
  })

  it('calls a Hub cache snapshot with a missing blob an unfinished download, and says what to do', async () => {
    const cache = join(root, 'hub')
    const repo = join(cache, 'models--acme--cut')
    await makeTinyModel(join(root, 'src'), { vocab: 12 })
    await mkdir(join(repo, 'blobs'), { recursive: true })
    await mkdir(join(repo, 'snapshots', 'c0ffee'), { recursive: true })
    for (const f of ['config.json', 'model.safetensors']) await symlink(`../../blobs/etag-${f}`, join(repo, 'snapshots', 'c0ffee', f))
    await writeFile(join(repo, 'blobs', 'etag-config.json'), await readFile(join(root, 'src', 'config.json')))
    // The weights never arrived: only a partial file, as huggingface_hub leaves it.
    await writeFile(join(repo, 'blobs', 'etag-model.safetensors.incomplete'), 'part')
    const [e] = await scanLibrary({ folders: [], includeHfCache: true, hfCacheDir: cache })
    expect(e.incomplete).toBe(true)
    expect(e.error?.message).toBe('The download of acme/cut did not finish: model.safetensors is missing or cut short (1 partial file in the cache).')
    expect(e.error?.hint).toBe(`Download acme/cut again (it picks up the files it lacks), or delete ${repo} to free its space.`)
    expect(e.error?.hint).not.toContain('Check the path')
  })

  it('turns bad folders into entries with a readable reason instead of throwing', async () => {
    const missing = join(root, 'missing')
    const empty = join(root, 'empty')
    await mkdir(empty)
    const badJson = join(root, 'bad-json')
    await mkdir(badJson)
    await writeFile(join(badJson, 'config.json'), '{"model_type": "llama",')
    const truncated = join(root, 'truncated')
    await makeTinyModel(truncated)
    await truncate(join(truncated, 'model.safetensors'), 100)
    const pickle = join(root, 'pickle')
    await mkdir(pickle)
    await writeFile(join(pickle, 'config.json'), JSON.stringify({ model_type: 'llama' }))
    await writeFile(join(pickle, 'pytorch_model.bin'), 'x')
    const binAdapter = join(root, 'bin-adapter')
    await mkdir(binAdapter)
    await writeFile(join(binAdapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8 }))
    await writeFile(join(binAdapter, 'adapter_model.bin'), 'x')
    const file = join(root, 'file.txt')
    await writeFile(file, 'hi')

    const entries = await scanLibrary({ folders: [missing, empty, badJson, truncated, pickle, binAdapter, file], includeHfCache: false })
    const byPath = new Map(entries.map((e) => [e.path, e]))
    expect(entries).toHaveLength(7)
    expect(byPath.get(missing)?.error).toMatchObject({ code: 'NOT_FOUND' })
    expect(byPath.get(empty)?.error).toMatchObject({ code: 'NOT_A_MODEL' })
    expect(byPath.get(empty)?.error?.hint).toBeTruthy()
    expect(byPath.get(badJson)?.error).toMatchObject({ code: 'BAD_CONFIG' })
    expect(byPath.get(truncated)).toMatchObject({ kind: 'model', architecture: 'LlamaForCausalLM', error: { code: 'TRUNCATED_FILE' } })
    expect(byPath.get(pickle)?.error?.message).toMatch(/pickle/)
    expect(byPath.get(binAdapter)).toMatchObject({ kind: 'adapter', error: { code: 'UNSUPPORTED_ADAPTER' } })
    expect(byPath.get(file)?.error).toMatchObject({ code: 'NOT_A_MODEL' })
    for (const e of entries) expect(JSON.stringify(e.error)).not.toMatch(/\n\s+at /)
  })

  it('looks three levels deep, skips hidden folders, stray config.json files and tokenizer leftovers inside models', async () => {
    const top = join(root, 'top')
    await makeTinyModel(join(top, 'a', 'b', 'c'))
    await makeTinyModel(join(top, 'a', 'b', 'c', 'd', 'too-deep'))
    await makeTinyModel(join(top, '.hidden', 'm'))
    await mkdir(join(top, 'app'), { recursive: true })
    await writeFile(join(top, 'app', 'config.json'), JSON.stringify({ port: 80 }))
    await mkdir(join(top, 'a', 'b', 'c', 'original'))
    await writeFile(join(top, 'a', 'b', 'c', 'original', 'tokenizer.json'), tokenizerJson(4))
    await mkdir(join(top, 'tok'))
    await writeFile(join(top, 'tok', 'tokenizer.json'), tokenizerJson(5, ['<x>']))
    const entries = await scanLibrary({ folders: [top], includeHfCache: false })
    expect(entries.map((e) => [e.name, e.kind, e.tokenizerSize ?? null])).toEqual([
      ['top/a/b/c', 'model', 16],
      ['top/tok', 'tokenizer', 6],
    ])
  })

  it('lists a folder once even when it is added twice or is the demo folder', async () => {
    await makeTinyModel(join(root, 'm'))
    const entries = await scanLibrary({ folders: [root, join(root, 'm'), root], includeHfCache: false, demoDir: root })
    expect(entries.map((e) => e.origin)).toEqual(['demo'])
  })
})
