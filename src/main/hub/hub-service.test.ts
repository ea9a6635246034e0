import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeHub, type FakeHub } from '../../../test/hub/fake-hub'
import { tempDir, TOKEN } from '../../../test/hub/fixtures'
import { createMemoryTokenStore } from '../../core/hub/token-store'
import { createSettingsStore, type SettingsStore } from '../settings/settings-store'
import { createHubService, envForcesOffline, type HubService } from './hub-service'
import { selectTokenStore, TOKEN_FILE, type SafeStorageLike } from './select-token-store'

/** A reversible cipher standing in for Electron's safeStorage (the bytes never contain the token). */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike & { calls: number } {
  const key = 0x5a
  const ss = {
    calls: 0,
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString(s: string) {
      ss.calls++
      return Buffer.from([...Buffer.from(s, 'utf8')].map((b) => b ^ key))
    },
    decryptString(b: Buffer) {
      return Buffer.from([...b].map((x) => x ^ key)).toString('utf8')
    },
  }
  return ss
}

describe('Hub service (token, offline switch, status)', () => {
  let hub: FakeHub
  let dir: string
  let cleanup: () => Promise<void>
  let settings: SettingsStore
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' } })
  })
  afterAll(async () => {
    await hub.close()
  })
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('graft-hub-service-'))
    settings = await createSettingsStore({ dir: join(dir, 'config') })
    // HF_HOME points at an empty folder, so no token file of the machine running the tests is read.
    env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(dir, 'cache'), HF_HOME: join(dir, 'hf-home') }
    hub.reset()
  })
  afterEach(async () => {
    await cleanup()
  })

  const service = (over: Partial<Parameters<typeof createHubService>[0]> = {}): HubService =>
    createHubService({ settings, env, tokenStore: createMemoryTokenStore(), tokenStorage: 'session', choicesFile: join(dir, 'config', 'base-models.json'), ...over })

  it('reports a signed-out status without any request', async () => {
    const s = await service().status()
    expect(s).toEqual({
      endpoint: hub.url,
      offline: false,
      offlineReason: null,
      offlineForced: false,
      offlineSwitch: false,
      signedIn: null,
      hasToken: false,
      tokenSource: null,
      canStoreToken: true,
      tokenStorage: 'session',
      identityError: null,
      cacheDir: join(dir, 'cache'),
    })
    expect(hub.count()).toBe(0)
  })

  it('signs in after whoami accepts the token, and never returns the token', async () => {
    const h = service()
    const s = await h.setToken(`  ${TOKEN}\n`)
    expect(s).toMatchObject({ signedIn: 'alice', hasToken: true, tokenSource: 'app' })
    expect(JSON.stringify(s)).not.toContain(TOKEN)
    expect((await h.config()).token).toBe(TOKEN)
    // The identity is reused: a second status makes no request.
    const before = hub.count()
    expect((await h.status()).signedIn).toBe('alice')
    expect(hub.count()).toBe(before)
    const out = await h.clearToken()
    expect(out).toMatchObject({ signedIn: null, hasToken: false, tokenSource: null })
  })

  it('refuses a token the Hub rejects (PERMISSION_DENIED) without storing it or echoing it', async () => {
    const store = createMemoryTokenStore()
    const h = service({ tokenStore: store })
    const bad = 'hf_notARealToken0123456789'
    const err = await h.setToken(bad).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; hint?: string },
    )
    expect(err?.code).toBe('PERMISSION_DENIED')
    expect(`${err?.message} ${err?.hint}`).not.toContain(bad)
    expect(await store.get()).toBeNull()
    await expect(h.setToken('not-a-token')).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('shows a token from HF_TOKEN and a whoami failure as identityError (scrubbed)', async () => {
    env.HF_TOKEN = 'hf_expiredToken0123456789'
    const s = await service().status()
    expect(s).toMatchObject({ hasToken: true, tokenSource: 'env', signedIn: null, identityError: { code: 'PERMISSION_DENIED' } })
    expect(JSON.stringify(s)).not.toContain('hf_expiredToken0123456789')
  })

  it('the offline switch is saved in settings and means zero requests, even with a token', async () => {
    const h = service({ tokenStore: createMemoryTokenStore(TOKEN) })
    const s = await h.setOffline(true)
    expect(s).toMatchObject({ offline: true, offlineSwitch: true, offlineForced: false, offlineReason: 'the offline switch is on', hasToken: true, signedIn: null })
    expect(JSON.parse(await readFile(settings.file, 'utf8')).hubOffline).toBe(true)
    expect((await h.config()).offline).toBe(true)
    // Offline, a new token is stored unchecked: no request at all.
    await h.setToken(TOKEN)
    expect(hub.count()).toBe(0)
    expect((await h.setOffline(false)).signedIn).toBe('alice')
  })

  it('HF_HUB_OFFLINE forces offline mode whatever the switch says', async () => {
    env.HF_HUB_OFFLINE = '1'
    const h = service()
    const s = await h.setOffline(false)
    expect(s).toMatchObject({ offline: true, offlineForced: true, offlineSwitch: false, offlineReason: 'HF_HUB_OFFLINE is set' })
    expect(envForcesOffline({ HF_HUB_OFFLINE: 'yes' })).toBe(true)
    expect(envForcesOffline({ HF_HUB_OFFLINE: '0' })).toBe(false)
    expect(hub.count()).toBe(0)
  })
})

describe('selectTokenStore', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('graft-token-store-'))
  })
  afterEach(async () => {
    await cleanup()
  })

  it('encrypts with safeStorage into hub-token.json, never in plain text', async () => {
    const ss = fakeSafeStorage()
    const { store, storage } = selectTokenStore({ dir, safeStorage: ss })
    expect(storage).toBe('encrypted')
    await store.set(TOKEN)
    expect(ss.calls).toBe(1)
    const text = await readFile(join(dir, TOKEN_FILE), 'utf8')
    expect(text).not.toContain(TOKEN)
    expect(JSON.parse(text)).toMatchObject({ version: 1, scheme: 'encrypted' })
    // A new process (a new store on the same file) reads it back.
    expect(await selectTokenStore({ dir, safeStorage: ss }).store.get()).toBe(TOKEN)
  })

  it('falls back to a session-only memory store without real encryption (none, unavailable, basic_text)', async () => {
    for (const safeStorage of [null, undefined, fakeSafeStorage({ available: false }), fakeSafeStorage({ backend: 'basic_text' })]) {
      const { store, storage } = selectTokenStore({ dir, safeStorage })
      expect(storage).toBe('session')
      await store.set(TOKEN)
      expect(await store.get()).toBe(TOKEN)
    }
    expect(await readdir(dir)).toEqual([])
  })
})
