import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { searchModels } from '../../src/core/hub/search-models'
import { modelDetails } from '../../src/core/hub/model-details'
import { whoAmI } from '../../src/core/hub/whoami'
import type { GraftError } from '../../src/core/errors'
import { startFakeHub, type FakeHub } from './fake-hub'
import { adapterRepo, demoRepo, OTHER_TOKEN, safetensors, testConfig, TOKEN } from './fixtures'

let hub: FakeHub
const cfg = (over = {}) => testConfig(hub.url, '/nonexistent-cache', over)

beforeAll(async () => {
  const many = Array.from({ length: 7 }, (_, i) => ({
    id: `graft-test/model-${i}`,
    downloads: 100 * i,
    likes: 7 - i,
    lastModified: `2025-0${i + 1}-01T00:00:00.000Z`,
    tags: i % 2 ? ['safetensors', 'peft'] : ['safetensors'],
    library_name: i % 2 ? 'peft' : 'transformers',
    files: [{ path: 'config.json', content: Buffer.from('{}') }],
  }))
  hub = await startFakeHub({
    tokens: { [TOKEN]: 'alice', [OTHER_TOKEN]: 'bob' },
    orgs: { alice: ['graft-org'] },
    searchPageSize: 3,
    treePageSize: 4,
    repos: [
      demoRepo(),
      adapterRepo(),
      ...many,
      { id: 'alice/secret-model', private: true, files: [{ path: 'config.json', content: Buffer.from('{}') }] },
      { id: 'meta/gated-model', gated: 'manual', files: [{ path: 'config.json', content: Buffer.from('{}') }] },
      { id: 'evil/names', files: [{ path: 'config.json', content: Buffer.from('{}') }, { path: '../../escape.json', content: Buffer.from('{}') }] },
      {
        id: 'graft-test/path-adapter',
        files: [{ path: 'adapter_config.json', content: Buffer.from(JSON.stringify({ peft_type: 'LORA', base_model_name_or_path: '/home/bob/models/meta-llama/Llama-3.2-1B' })) }, { path: 'adapter_model.safetensors', content: safetensors(8) }],
        cardData: { base_model: 'meta-llama/Llama-3.2-1B' },
      },
    ],
  })
})
afterAll(() => hub.close())
beforeEach(() => hub.reset())

describe('searchModels', () => {
  it('filters by text and sorts by downloads, paging with a cursor from the Link header', async () => {
    const p1 = await searchModels({ config: cfg(), text: 'model-', sort: 'downloads', limit: 3 })
    expect(p1.models.map((m) => m.id)).toEqual(['graft-test/model-6', 'graft-test/model-5', 'graft-test/model-4'])
    expect(p1.models[0]).toMatchObject({ downloads: 600, likes: 1, libraryName: 'transformers', tags: ['safetensors'], private: false, gated: false })
    expect(p1.models[0].lastModified).toBe('2025-07-01T00:00:00.000Z')
    expect(p1.nextCursor).toMatch(new RegExp(`^${hub.url}/api/models\\?`))
    const p2 = await searchModels({ config: cfg(), text: 'model-', sort: 'downloads', limit: 3, cursor: p1.nextCursor! })
    expect(p2.models.map((m) => m.id)).toEqual(['graft-test/model-3', 'graft-test/model-2', 'graft-test/model-1'])
    const p3 = await searchModels({ config: cfg(), text: 'model-', sort: 'downloads', limit: 3, cursor: p2.nextCursor! })
    expect(p3.models.map((m) => m.id)).toEqual(['graft-test/model-0'])
    expect(p3.nextCursor).toBeNull()
    // The client asked for the expand fields Graft shows.
    expect(hub.requests[0].url).toContain('expand=library_name')
  })

  it('author, tag and library filters; likes and lastModified sorts', async () => {
    const peft = await searchModels({ config: cfg(), author: 'graft-test', library: 'peft', sort: 'likes', limit: 10 })
    expect(peft.models.map((m) => m.id)).toEqual(['graft-test/model-1', 'graft-test/model-3', 'graft-test/model-5', 'graft-test/tiny-lora'])
    const recent = await searchModels({ config: cfg(), text: 'model-', tags: ['safetensors'], sort: 'lastModified', limit: 2 })
    expect(recent.models.map((m) => m.id)).toEqual(['graft-test/model-6', 'graft-test/model-5'])
  })

  it('refuses a cursor for another host (it would carry the token there)', async () => {
    await expect(searchModels({ config: cfg(), cursor: 'https://evil.example/api/models?cursor=3' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(hub.count()).toBe(0)
  })

  it('private repos appear only with the owner\'s token', async () => {
    expect((await searchModels({ config: cfg(), text: 'secret' })).models).toHaveLength(0)
    expect((await searchModels({ config: cfg({ token: TOKEN, tokenSource: 'env' }), text: 'secret' })).models[0]).toMatchObject({ id: 'alice/secret-model', private: true })
  })
})

describe('modelDetails', () => {
  it('files with sizes and hashes, parameter counts, tags, license (tree pages followed)', async () => {
    const d = await modelDetails({ config: cfg(), repo: 'graft-test/tiny-llama' })
    expect(d).toMatchObject({ id: 'graft-test/tiny-llama', sha: 'a'.repeat(40), revision: 'main', private: false, gated: false, isAdapter: false, libraryName: 'transformers', license: 'apache-2.0', hasPickles: true })
    expect(d.parameters).toEqual({ total: 50_000, byDtype: { F32: 50_000 } })
    const st = d.files.find((f) => f.path === 'model.safetensors')!
    expect(st).toMatchObject({ lfs: true, size: safetensors(50_000).length, unsafe: null })
    expect(st.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(d.files.find((f) => f.path === 'config.json')).toMatchObject({ lfs: false, sha256: null })
    expect(d.files.find((f) => f.path === 'pytorch_model.bin')!.pickle).toBe(true)
    expect(d.files.map((f) => f.path)).toContain('sub/extra.json')
    expect(d.safetensorsBytes).toBe(st.size)
    expect(hub.count(/\/tree\//)).toBeGreaterThan(1) // 10 files + 1 dir over pages of 4
  })

  it('an adapter names its base from adapter_config.json (one small download)', async () => {
    const d = await modelDetails({ config: cfg(), repo: 'graft-test/tiny-lora' })
    expect(d).toMatchObject({ isAdapter: true, baseModel: 'graft-test/tiny-llama', baseModelSource: 'adapter_config' })
    expect(d.adapterConfig).toMatchObject({ peft_type: 'LORA', r: 4 })
    expect(hub.count(/\/resolve\/.*adapter_config\.json$/)).toBeGreaterThanOrEqual(1)
    const p = await modelDetails({ config: cfg(), repo: 'graft-test/path-adapter' })
    expect(p.baseModel).toBe('/home/bob/models/meta-llama/Llama-3.2-1B')
    const noRead = await modelDetails({ config: cfg(), repo: 'graft-test/path-adapter', readAdapterConfig: false })
    expect(noRead).toMatchObject({ baseModel: 'meta-llama/Llama-3.2-1B', baseModelSource: 'model_card' })
  })

  it('flags unsafe remote names instead of trusting them', async () => {
    const d = await modelDetails({ config: cfg(), repo: 'evil/names' })
    expect(d.files.find((f) => f.path === '../../escape.json')!.unsafe).toContain('..')
    expect(d.files.find((f) => f.path === 'config.json')!.unsafe).toBeNull()
  })

  it('gated and private state; missing repos are NOT_FOUND / PERMISSION_DENIED', async () => {
    expect((await modelDetails({ config: cfg(), repo: 'meta/gated-model' })).gated).toBe('manual')
    await expect(modelDetails({ config: cfg(), repo: 'alice/secret-model' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    expect((await modelDetails({ config: cfg({ token: TOKEN, tokenSource: 'env' }), repo: 'alice/secret-model' })).private).toBe(true)
    await expect(modelDetails({ config: cfg({ token: TOKEN, tokenSource: 'env' }), repo: 'nobody/nothing' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(modelDetails({ config: cfg(), repo: 'graft-test/tiny-llama', revision: 'no-such-branch' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('whoAmI and tokens', () => {
  it('returns the user for a valid token; explains a missing one', async () => {
    const me = await whoAmI({ config: cfg({ token: TOKEN, tokenSource: 'file' }) })
    expect(me).toMatchObject({ name: 'alice', type: 'user', orgs: ['graft-org'], tokenRole: 'write', tokenSource: 'file' })
    await expect(whoAmI({ config: cfg() })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
  })

  it('never puts the token in an error message, even when the server echoes it', async () => {
    const bad = 'hf_THISISNOTAVALIDTOKEN42'
    hub.echoAuthInErrors = true
    try {
      for (const call of [() => whoAmI({ config: cfg({ token: bad, tokenSource: 'env' }) }), () => modelDetails({ config: cfg({ token: bad, tokenSource: 'env' }), repo: 'graft-test/tiny-llama' }), () => searchModels({ config: cfg({ token: bad, tokenSource: 'env' }) })]) {
        const err = (await call().then(() => null, (e: unknown) => e)) as GraftError
        expect(err.code).toBe('PERMISSION_DENIED')
        expect(`${err.message} ${err.hint ?? ''} ${JSON.stringify(err.toInfo())}`).not.toContain('THISISNOTAVALIDTOKEN')
      }
    } finally {
      hub.echoAuthInErrors = false
    }
  })
})
