import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GraftError } from '../errors'
import { createHubFetch, hubCredentials, pythonTokenPath, resolveHubConfig } from './hub-config'
import { scrubToken, toHubError } from './hub-error'
import { HubApiError } from '@huggingface/hub'

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'graft-home-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('resolveHubConfig', () => {
  it('defaults: huggingface.co, online, no token, ~/.cache/huggingface/hub', async () => {
    const c = await resolveHubConfig({ env: {}, home })
    expect(c).toMatchObject({ endpoint: 'https://huggingface.co', offline: false, token: null, tokenSource: null, cacheDir: join(home, '.cache/huggingface/hub') })
  })

  it('HF_ENDPOINT (trailing slash dropped) and an explicit endpoint over it; non-http endpoints refused', async () => {
    expect((await resolveHubConfig({ env: { HF_ENDPOINT: 'https://mirror.example/' }, home })).endpoint).toBe('https://mirror.example')
    expect((await resolveHubConfig({ env: { HF_ENDPOINT: 'https://mirror.example' }, endpoint: 'http://127.0.0.1:9', home })).endpoint).toBe('http://127.0.0.1:9')
    await expect(resolveHubConfig({ env: { HF_ENDPOINT: 'file:///etc' }, home })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('offline: HF_HUB_OFFLINE=1/true/yes/on or the switch; HF_HUB_OFFLINE wins over offline:false', async () => {
    for (const v of ['1', 'true', 'YES', 'on']) expect((await resolveHubConfig({ env: { HF_HUB_OFFLINE: v }, home })).offline).toBe(true)
    expect((await resolveHubConfig({ env: { HF_HUB_OFFLINE: '0' }, home })).offline).toBe(false)
    expect((await resolveHubConfig({ env: {}, offline: true, home })).offlineReason).toBe('the offline switch is on')
    expect((await resolveHubConfig({ env: { HF_HUB_OFFLINE: '1' }, offline: false, home })).offline).toBe(true)
  })

  it('cache dir precedence: HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > HF_HOME/hub > XDG_CACHE_HOME/huggingface/hub', async () => {
    const all = { HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c', XDG_CACHE_HOME: '/d' }
    expect((await resolveHubConfig({ env: all, home })).cacheDir).toBe('/a')
    expect((await resolveHubConfig({ env: { ...all, HF_HUB_CACHE: '' }, home })).cacheDir).toBe('/b')
    expect((await resolveHubConfig({ env: { HF_HOME: '/c', XDG_CACHE_HOME: '/d' }, home })).cacheDir).toBe('/c/hub')
    expect((await resolveHubConfig({ env: { XDG_CACHE_HOME: '/d' }, home })).cacheDir).toBe('/d/huggingface/hub')
    expect((await resolveHubConfig({ env: all, cacheDir: '/explicit', home })).cacheDir).toBe('/explicit')
  })

  it('token order: explicit > HF_TOKEN > token file ($HF_TOKEN_PATH, $HF_HOME/token, ~/.cache/huggingface/token)', async () => {
    await mkdir(join(home, '.cache/huggingface'), { recursive: true })
    await writeFile(join(home, '.cache/huggingface/token'), 'hf_fromdefaultfile\n')
    expect(await resolveHubConfig({ env: {}, home })).toMatchObject({ token: 'hf_fromdefaultfile', tokenSource: 'file', tokenPath: join(home, '.cache/huggingface/token') })
    await mkdir(join(home, 'hfhome'))
    await writeFile(join(home, 'hfhome/token'), 'hf_fromhfhome')
    expect((await resolveHubConfig({ env: { HF_HOME: join(home, 'hfhome') }, home })).token).toBe('hf_fromhfhome')
    await writeFile(join(home, 'custom-token'), '  hf_fromcustompath  ')
    expect((await resolveHubConfig({ env: { HF_HOME: join(home, 'hfhome'), HF_TOKEN_PATH: join(home, 'custom-token') }, home })).token).toBe('hf_fromcustompath')
    expect(await resolveHubConfig({ env: { HF_TOKEN: 'hf_fromenv' }, home })).toMatchObject({ token: 'hf_fromenv', tokenSource: 'env' })
    expect(await resolveHubConfig({ env: { HF_TOKEN: 'hf_fromenv' }, token: 'hf_explicit', home })).toMatchObject({ token: 'hf_explicit', tokenSource: 'explicit' })
    expect(pythonTokenPath({ XDG_CACHE_HOME: '/x' }, home)).toBe('/x/huggingface/token')
  })

  it('a token without hf_ is refused by name of its source, never echoed', async () => {
    const c = await resolveHubConfig({ env: { HF_TOKEN: 'api_oldstyleSECRET' }, home })
    let err: unknown
    try {
      hubCredentials(c)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GraftError)
    expect((err as GraftError).message).toContain('HF_TOKEN')
    expect((err as GraftError).message).not.toContain('SECRET')
  })
})

describe('createHubFetch', () => {
  const cfg = { endpoint: 'http://hub.test', offline: false, offlineReason: null }

  it('offline throws OFFLINE before calling fetch', async () => {
    let calls = 0
    const f = createHubFetch({ config: { ...cfg, offline: true, offlineReason: 'HF_HUB_OFFLINE is set' }, fetchImpl: (async () => (calls++, new Response('x'))) as typeof fetch })
    await expect(f('http://hub.test/api/models')).rejects.toMatchObject({ code: 'OFFLINE' })
    expect(calls).toBe(0)
  })

  it('drops Authorization for other hosts, keeps it for the endpoint', async () => {
    const seen: (string | null)[] = []
    const f = createHubFetch({ config: cfg, fetchImpl: (async (_u: string, init?: RequestInit) => (seen.push(new Headers(init?.headers).get('authorization')), new Response('ok'))) as typeof fetch })
    await f('http://hub.test/api/x', { headers: { Authorization: 'Bearer hf_abc' } })
    await f('http://evil.test/api/x', { headers: { Authorization: 'Bearer hf_abc' } })
    expect(seen).toEqual(['Bearer hf_abc', null])
  })

  it('network failures become HUB errors naming the host', async () => {
    const f = createHubFetch({ config: cfg, fetchImpl: (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }) }) as typeof fetch })
    await expect(f('http://hub.test/api/x')).rejects.toMatchObject({ code: 'HUB', message: expect.stringContaining('hub.test (ECONNREFUSED)') })
  })
})

describe('toHubError', () => {
  it('maps statuses and scrubs the token from server messages', () => {
    const e = new HubApiError('http://hub.test/x', 401)
    e.data = { error: 'bad token hf_supersecretvalue123' }
    const g = toHubError(e, { token: 'hf_supersecretvalue123', repo: 'a/b' }) as GraftError
    expect(g.code).toBe('PERMISSION_DENIED')
    expect(g.message).not.toContain('supersecret')
    expect((toHubError(new HubApiError('u', 404), { repo: 'a/b' }) as GraftError).code).toBe('NOT_FOUND')
    expect((toHubError(new HubApiError('u', 503)) as GraftError).code).toBe('HUB')
    expect((toHubError(new DOMException('x', 'AbortError')) as GraftError).code).toBe('CANCELLED')
    expect(scrubToken('Bearer hf_abcdefgh and hf_zzzzzzzz', null)).toBe('Bearer hf_*** and hf_***')
  })
})
