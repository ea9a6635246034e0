import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { inProcessRunner } from '../../core/exec/in-process-runner'
import { makeTinyModel } from '../../core/library/make-test-folders'
import { JobManager } from '../jobs/job-manager'
import { startWebServer, type WebServer } from './serve'

/**
 * Reliability finding 10 / §1.2 "FIFO fs starvation": five folders whose config.json is a named
 * pipe, inspected in web mode, used to hold all four of libuv's fs threads, so every later file
 * request of the server hung. And §4: the hash job read /dev/zero until cancelled.
 */

let root: string
let server: WebServer
let jobs: JobManager
let ws: WebSocket
let base: string
const fifos: string[] = []
let nextId = 1

function mkfifo(p: string): string {
  execFileSync('mkfifo', [p])
  fifos.push(p)
  return p
}

/** One request; resolves with the reply, or 'no reply' after `ms` (the starvation symptom). */
function rpc(method: string, params: unknown, ms = 5000): Promise<{ ok: boolean; result?: any; error?: any } | 'no reply'> {
  const id = nextId++
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage)
      resolve('no reply')
    }, ms)
    const onMessage = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString())
      if (m.id === id && 'reply' in m) {
        clearTimeout(timer)
        ws.off('message', onMessage)
        resolve(m.reply)
      }
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ id, method, params }))
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-web-fifo-'))
  const renderer = join(root, 'renderer')
  await mkdir(renderer, { recursive: true })
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Graft</title>')
  base = await makeTinyModel(join(root, 'demo', 'base'), { vocab: 16 }).then(() => join(root, 'demo', 'base'))
  jobs = new JobManager(inProcessRunner())
  server = await startWebServer({ rendererDir: renderer, jobs, demoDir: join(root, 'demo'), configDir: join(root, 'config'), env: { HF_HUB_CACHE: join(root, 'hub') } })
  ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`ws://127.0.0.1:${server.port}/api`, ['graft', `graft.token.${server.token}`])
    s.once('open', () => resolve(s))
    s.once('error', reject)
  })
})

afterAll(async () => {
  ws?.close()
  // Release any read a regression left blocked, so the server can close.
  for (const f of fifos) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      /* nobody blocked */
    }
  }
  await server?.close()
  await rm(root, { recursive: true, force: true })
})

describe('web mode: inputs that are pipes or devices', () => {
  it('five folders whose config.json is a pipe get a quick NOT_A_MODEL each, and the server still reads files', async () => {
    const dirs: string[] = []
    for (let i = 0; i < 5; i++) {
      const d = join(root, `fifo${i}`)
      await mkdir(d)
      mkfifo(join(d, 'config.json'))
      dirs.push(d)
    }
    const started = Date.now()
    const replies = await Promise.all([
      ...dirs.map((d) => rpc('model.inspect', { path: d })),
      rpc('jobs.plan', { request: { kind: 'merge', params: { base: dirs[0], adapters: [{ dir: base }], out: join(root, 'o') } } }),
    ])
    for (const r of replies) {
      expect(r).not.toBe('no reply')
      expect(r).toMatchObject({ ok: false, error: { code: 'NOT_A_MODEL', message: expect.stringMatching(/config\.json is a named pipe/) } })
    }
    expect(Date.now() - started).toBeLessThan(5000)
    // A request that needs the file system, after them: answered (it hung in the finding).
    const after = await rpc('model.inspect', { path: base })
    expect(after).toMatchObject({ ok: true })
  })

  it('the hash job refuses /dev/zero, a pipe and a link to a device at once instead of reading forever', async () => {
    await symlink('/dev/zero', join(root, 'zero-link'))
    for (const path of ['/dev/zero', mkfifo(join(root, 'hash.fifo')), join(root, 'zero-link')]) {
      const start = await rpc('jobs.start', { kind: 'hash', params: { path } })
      expect(start).toMatchObject({ ok: true })
      const job = await Promise.race([jobs.wait((start as { result: { id: string } }).result.id), new Promise<null>((r) => setTimeout(() => r(null), 5000))])
      expect(job, path).not.toBeNull()
      expect(job!.state, path).toBe('failed')
      expect(job!.error, path).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(path) })
      expect(job!.error!.message, path).toMatch(/character device|named pipe/)
    }
  })

  it('the hash job of a folder hashes its regular files only', async () => {
    const d = join(root, 'hash-dir')
    await mkdir(d)
    await writeFile(join(d, 'a.txt'), 'a')
    mkfifo(join(d, 'b.fifo'))
    const start = await rpc('jobs.start', { kind: 'hash', params: { path: d } })
    const job = await Promise.race([jobs.wait((start as { result: { id: string } }).result.id), new Promise<null>((r) => setTimeout(() => r(null), 5000))])
    expect(job?.state).toBe('done')
    expect((job!.result as { files: { file: string }[] }).files.map((f) => f.file)).toEqual([join(d, 'a.txt')])
  })
})
