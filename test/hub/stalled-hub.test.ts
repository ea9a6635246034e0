import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { HUB_ANSWER_TIMEOUT_MS, resolveHubConfig } from '../../src/core/hub/hub-config'
import { modelDetails } from '../../src/core/hub/model-details'
import { searchModels } from '../../src/core/hub/search-models'
import { whoAmI } from '../../src/core/hub/whoami'
import { createMemoryTokenStore } from '../../src/core/hub/token-store'
import { JobManager } from '../../src/main/jobs/job-manager'
import { createHubHandlers } from '../../src/main/hub/hub-handlers'
import { createHubService, type HubService } from '../../src/main/hub/hub-service'
import { createSettingsStore } from '../../src/main/settings/settings-store'
import { tempDir, testConfig, TOKEN } from './fixtures'

/**
 * A stalled network: a TCP server on 127.0.0.1 that accepts every connection and never answers
 * (what a firewall, proxy or captive portal that swallows traffic looks like to a client).
 */
async function blackHole(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let count = 0
  const server: Server = createServer((s) => {
    count++
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

/** Resolves with how long `run()` took to settle and what it rejected with. */
async function settle(run: () => Promise<unknown>): Promise<{ ms: number; error: any }> {
  const t0 = Date.now()
  try {
    await run()
    return { ms: Date.now() - t0, error: null }
  } catch (e) {
    return { ms: Date.now() - t0, error: e }
  }
}

describe('a Hub that accepts connections and never answers', () => {
  let hole: Awaited<ReturnType<typeof blackHole>>
  let dir: string
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    hole = await blackHole()
  })
  afterAll(async () => {
    await hole.close()
  })
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('graft-hub-stalled-'))
  })
  afterEach(async () => {
    await cleanup()
  })

  it('waits 15 s by default; GRAFT_HUB_TIMEOUT_MS changes it', async () => {
    expect(HUB_ANSWER_TIMEOUT_MS).toBe(15_000)
    expect((await resolveHubConfig({ env: { HF_HOME: dir } })).answerTimeoutMs).toBe(15_000)
    expect((await resolveHubConfig({ env: { HF_HOME: dir, GRAFT_HUB_TIMEOUT_MS: '250' } })).answerTimeoutMs).toBe(250)
    expect((await resolveHubConfig({ env: { HF_HOME: dir, GRAFT_HUB_TIMEOUT_MS: 'soon' } })).answerTimeoutMs).toBe(15_000)
  })

  it('search, model page and whoami give up after the timeout with a plain message (real @huggingface/hub client)', async () => {
    const config = testConfig(hole.url, join(dir, 'cache'), { answerTimeoutMs: 300, token: TOKEN, tokenSource: 'explicit' })
    for (const call of [() => searchModels({ config, text: 'llama' }), () => modelDetails({ config, repo: 'acme/tiny' }), () => whoAmI({ config })]) {
      const { ms, error } = await settle(call)
      expect(error).toMatchObject({ code: 'HUB', message: expect.stringContaining('The Hub did not answer in 300 ms') })
      expect(error.message).toContain(new URL(hole.url).host)
      expect(error.hint).toMatch(/offline mode/)
      console.log("DBG", ms, error.message)
      expect(ms).toBeGreaterThanOrEqual(250)
      expect(ms).toBeLessThan(5000)
    }
    expect(hole.connections()).toBeGreaterThanOrEqual(3)
  })

  describe('through the app (handlers and the Hub service)', () => {
    let service: HubService
    beforeEach(async () => {
      const settings = await createSettingsStore({ dir: join(dir, 'config') })
      // A long timeout: only the offline switch or a cancel can end these requests quickly.
      const env = { HF_ENDPOINT: hole.url, HF_HUB_CACHE: join(dir, 'cache'), HF_HOME: join(dir, 'hf-home'), GRAFT_HUB_TIMEOUT_MS: '60000' }
      service = createHubService({ settings, env, tokenStore: createMemoryTokenStore(), tokenStorage: 'session', choicesFile: join(dir, 'choices.json') })
    })

    it('turning offline on stops a search and a model page in flight within a second', async () => {
      const handlers = createHubHandlers(service)
      const search = settle(() => handlers['hub.search']({ text: 'llama' }))
      const info = settle(() => handlers['hub.info']({ repo: 'acme/tiny' }))
      await new Promise((r) => setTimeout(r, 300))
      const t0 = Date.now()
      await service.setOffline(true)
      for (const r of [await search, await info]) {
        expect(r.error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('switched offline') })
      }
      expect(Date.now() - t0).toBeLessThan(1000)
      // Turning it back on gives a fresh, working switch: new requests are not born aborted.
      await service.setOffline(false)
      expect((await service.config()).goneOffline?.aborted).toBe(false)
    })

    it('hub.cancel stops the search with that requestId, and only it', async () => {
      const handlers = createHubHandlers(service)
      const a = settle(() => handlers['hub.search']({ text: 'a', requestId: 'search-a' }))
      const b = settle(() => handlers['hub.search']({ text: 'b', requestId: 'search-b' }))
      await new Promise((r) => setTimeout(r, 300))
      const t0 = Date.now()
      expect(await handlers['hub.cancel']({ requestId: 'search-a' })).toEqual({ cancelled: true })
      expect((await a).error).toMatchObject({ code: 'CANCELLED' })
      expect(Date.now() - t0).toBeLessThan(1000)
      expect(await handlers['hub.cancel']({ requestId: 'nothing' })).toEqual({ cancelled: false })
      await service.setOffline(true)
      expect((await b).error).toMatchObject({ code: 'CANCELLED' })
    })

    it('hub.status with check says whether the Hub answered, and makes no request when offline', async () => {
      const settings = await createSettingsStore({ dir: join(dir, 'config-check') })
      const env = { HF_ENDPOINT: hole.url, HF_HUB_CACHE: join(dir, 'cache'), HF_HOME: join(dir, 'hf-home'), GRAFT_HUB_TIMEOUT_MS: '300' }
      const quick = createHubService({ settings, env, tokenStore: createMemoryTokenStore(), tokenStorage: 'session', choicesFile: join(dir, 'choices.json') })
      expect((await quick.status()).reachable).toBeUndefined()
      const down = (await quick.status({ check: true })).reachable!
      expect(down).toMatchObject({ ok: false, error: { code: 'HUB', message: expect.stringContaining('did not answer in 300 ms') } })
      expect(Date.parse(down.checkedAt)).toBeGreaterThan(Date.now() - 60_000)
      // Let connections the aborted request left behind arrive first.
      await new Promise((r) => setTimeout(r, 300))
      const before = hole.connections()
      await quick.setOffline(true)
      expect((await quick.status({ check: true })).reachable).toMatchObject({ ok: false, error: { code: 'OFFLINE' } })
      expect(hole.connections()).toBe(before)
    })

    it('turning offline on ends a running download job as cancelled', async () => {
      const jobs = new JobManager(inProcessRunner(), { hub: service })
      const id = jobs.start({ kind: 'hub-download', params: { repo: 'acme/tiny' } })
      await new Promise((r) => setTimeout(r, 300))
      expect(jobs.get(id)?.state).toBe('running')
      const t0 = Date.now()
      await service.setOffline(true)
      await jobs.wait(id).catch(() => {})
      const job = jobs.get(id)!
      expect(job.state).toBe('cancelled')
      expect(job.log.join('\n')).toContain('switched offline')
      expect(Date.now() - t0).toBeLessThan(1000)
    })
  })
})
