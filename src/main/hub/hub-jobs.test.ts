import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { HubDownloadResult, HubJobProgress, HubUploadResult, JobInfo } from '../../shared/api'
import { startFakeHub, type FakeHub } from '../../../test/hub/fake-hub'
import { DEMO_SHA, demoRepo, safetensors, tempDir, testConfig, TOKEN } from '../../../test/hub/fixtures'
import { inProcessRunner } from '../../core/exec/in-process-runner'
import type { HubConfig } from '../../core/hub/hub-config'
import { JobManager } from '../jobs/job-manager'
import { downloadJobProgress, MAX_PROGRESS_FILES } from './hub-jobs'

describe('Hub jobs in the job manager', () => {
  let hub: FakeHub
  let dir: string
  let cleanup: () => Promise<void>
  let config: HubConfig
  let jobs: JobManager
  let updates: JobInfo[]

  beforeAll(async () => {
    const big = safetensors(400_000)
    hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' }, repos: [demoRepo(), { id: 'graft-test/slow', files: [{ path: 'model.safetensors', content: big }, { path: 'config.json', content: Buffer.from('{}') }] }] })
    hub.throttle('model.safetensors', 16 * 1024, 20)
  })
  afterAll(async () => {
    await hub.close()
  })
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('graft-hub-jobs-'))
    config = testConfig(hub.url, join(dir, 'cache'))
    jobs = new JobManager(inProcessRunner(), { hub: { config: async () => config } })
    updates = []
    jobs.onUpdate((j) => updates.push(j))
    hub.reset()
  })
  afterEach(async () => {
    await cleanup()
  })

  it('hub-download fills the Hub cache with progress (phase downloading, per-file list) and returns the snapshot path', async () => {
    hub.throttle('model.safetensors', 64 * 1024, 5)
    const id = jobs.start({ kind: 'hub-download', params: { repo: 'graft-test/tiny-llama' } })
    const done = await jobs.wait(id)
    expect(done.state).toBe('done')
    expect(done.title).toBe('Download graft-test/tiny-llama from the Hub')
    const r = done.result as HubDownloadResult
    expect(r).toMatchObject({ repo: 'graft-test/tiny-llama', revision: 'main', sha: DEMO_SHA, fromCache: false, skipped: [] })
    expect(r.path).toBe(join(dir, 'cache', 'models--graft-test--tiny-llama', 'snapshots', DEMO_SHA))
    expect(await readFile(join(r.path, 'config.json'), 'utf8')).toContain('llama')
    const phases = new Set(updates.map((u) => u.progress?.phase).filter(Boolean))
    expect(phases.has('downloading')).toBe(true)
    expect(phases.has('tensors')).toBe(false)
    const last = done.progress as HubJobProgress
    expect(last).toMatchObject({ phase: 'done', repo: 'graft-test/tiny-llama', filesOmitted: 0 })
    expect(last.files.map((f) => f.path)).toContain('model.safetensors')
    expect(last.bytesDone).toBe(last.bytesTotal)
    expect(done.log.join('\n')).toContain(`is commit ${DEMO_SHA}`)
    hub.throttle('model.safetensors', 1 << 30, 0)
  })

  it('cancels a running download: CANCELLED, no ref written', async () => {
    hub.throttle('model.safetensors', 16 * 1024, 20)
    const id = jobs.start({ kind: 'hub-download', params: { repo: 'graft-test/slow' } })
    for (let i = 0; i < 200 && !updates.some((u) => u.id === id && u.progress?.phase === 'downloading' && u.progress.bytesDone > 0); i++) await new Promise((r) => setTimeout(r, 20))
    expect(jobs.cancel(id)).toBe(true)
    const done = await jobs.wait(id)
    expect(done.state).toBe('cancelled')
    expect(done.error?.code).toBe('CANCELLED')
    await expect(readFile(join(dir, 'cache', 'models--graft-test--slow', 'refs', 'main'), 'utf8')).rejects.toThrow()
  })

  it('offline, a download of a repo not in the cache fails with OFFLINE and makes no request', async () => {
    config = testConfig(hub.url, join(dir, 'cache'), { offline: true, offlineReason: 'the offline switch is on' })
    const done = await jobs.wait(jobs.start({ kind: 'hub-download', params: { repo: 'graft-test/tiny-llama' } }))
    expect(done).toMatchObject({ state: 'failed', error: { code: 'OFFLINE' } })
    expect(hub.count()).toBe(0)
  })

  it('hub-upload publishes a folder (creating the repo) and returns the commit URL', async () => {
    config = testConfig(hub.url, join(dir, 'cache'), { token: TOKEN, tokenSource: 'explicit' })
    const model = join(dir, 'merged')
    await mkdir(model)
    await writeFile(join(model, 'config.json'), '{"model_type":"llama"}')
    await writeFile(join(model, 'model.safetensors'), safetensors(1000))
    const done = await jobs.wait(jobs.start({ kind: 'hub-upload', params: { dir: model, repo: 'alice/merged', create: true, private: true } }))
    expect(done.state, JSON.stringify(done.error)).toBe('done')
    const r = done.result as HubUploadResult
    expect(r).toMatchObject({ repo: 'alice/merged', created: true, fileCount: 3, cardGenerated: true })
    expect(r.commitUrl).toMatch(new RegExp(`^${hub.url}/alice/merged/commit/[0-9a-f]{40}$`))
    expect(hub.repo('alice/merged')?.private).toBe(true)
    expect(updates.some((u) => u.id === done.id && u.progress?.phase === 'uploading') || done.progress?.phase === 'done').toBe(true)
    expect(JSON.stringify(updates)).not.toContain(TOKEN)
  })

  it('hub-upload without a token fails with PERMISSION_DENIED before any request', async () => {
    const model = join(dir, 'm')
    await mkdir(model)
    await writeFile(join(model, 'config.json'), '{}')
    const done = await jobs.wait(jobs.start({ kind: 'hub-upload', params: { dir: model, repo: 'alice/x', create: true } }))
    expect(done).toMatchObject({ state: 'failed', error: { code: 'PERMISSION_DENIED' } })
    expect(hub.count()).toBe(0)
  })

  it('a job manager without Hub support refuses Hub jobs with a readable error', async () => {
    const bare = new JobManager(inProcessRunner())
    const done = await bare.wait(bare.start({ kind: 'hub-download', params: { repo: 'graft-test/tiny-llama' } }))
    expect(done).toMatchObject({ state: 'failed', error: { code: 'INTERNAL', message: expect.stringContaining('Hub') } })
  })

  it('caps the per-file list, active files first', () => {
    const files = Array.from({ length: MAX_PROGRESS_FILES + 50 }, (_, i) => ({ path: `f${i}`, bytesDone: 0, bytesTotal: 1, bytesPerSec: 0, etaSec: null, state: (i === MAX_PROGRESS_FILES + 10 ? 'downloading' : 'done') as 'downloading' | 'done' }))
    const p = downloadJobProgress({ phase: 'tensors', stage: 'downloading', repo: 'a/b', sha: null, bytesDone: 0, bytesTotal: 0, tensorsDone: 0, tensorsTotal: files.length, bytesPerSec: 0, etaSec: null, files })
    expect(p.phase).toBe('downloading')
    expect(p.files).toHaveLength(MAX_PROGRESS_FILES)
    expect(p.filesOmitted).toBe(50)
    expect(p.files.some((f) => f.state === 'downloading')).toBe(true)
  })
})
