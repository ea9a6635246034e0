import { request } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { inProcessRunner } from '../../core/exec/in-process-runner'
import { makeTinyModel } from '../../core/library/make-test-folders'
import { JobManager } from '../jobs/job-manager'
import { startWebServer, type WebServer } from './serve'

/** A raw HTTP GET (no URL normalisation, any Host header). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a WebSocket and resolves with it, or with the HTTP status that refused the upgrade. */
function connect(url: string, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {})
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', (e) => reject(e))
  })
}

function rpc(ws: WebSocket, msg: unknown): Promise<{ id: unknown; reply: { ok: boolean; result?: any; error?: any } }> {
  return new Promise((resolve) => {
    const onMessage = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString())
      if ('reply' in m) {
        ws.off('message', onMessage)
        resolve(m)
      }
    }
    ws.on('message', onMessage)
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg))
  })
}

describe('web mode server', () => {
  let root: string
  let server: WebServer
  let jobs: JobManager
  let base: string
  let origin: string
  let wsUrl: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-web-'))
    const renderer = join(root, 'renderer')
    await mkdir(join(renderer, 'assets'), { recursive: true })
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Graft</title>')
    await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(root, 'secret.txt'), 'secret')
    await symlink(join(root, 'secret.txt'), join(renderer, 'assets', 'leak.js'))
    await makeTinyModel(join(root, 'demo', 'base'), { vocab: 16 })
    jobs = new JobManager(inProcessRunner())
    server = await startWebServer({ rendererDir: renderer, jobs, demoDir: join(root, 'demo'), configDir: join(root, 'config'), env: { HF_HUB_CACHE: join(root, 'hub') } })
    base = join(root, 'demo', 'base')
    origin = `http://127.0.0.1:${server.port}`
    wsUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`
  })
  afterAll(async () => {
    await server?.close()
    await rm(root, { recursive: true, force: true })
  })

  it('prints a 127.0.0.1 URL with a 64-hex token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
  })

  it('refuses the page without the right token (401)', async () => {
    expect((await get(server.port, '/')).status).toBe(401)
    expect((await get(server.port, '/?token=' + 'a'.repeat(64))).status).toBe(401)
    expect((await get(server.port, '/assets/app.js')).status).toBe(401)
    expect((await get(server.port, '/', { cookie: `graft_token_${server.port}=wrong` })).status).toBe(401)
  })

  it('serves the page with the token, strict headers and a cookie for its assets', async () => {
    const r = await get(server.port, `/?token=${server.token}`)
    expect(r.status).toBe(200)
    expect(r.body).toContain('<title>Graft</title>')
    const csp = String(r.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(r.headers['x-content-type-options']).toBe('nosniff')
    const cookie = String(r.headers['set-cookie'])
    expect(cookie).toContain(`graft_token_${server.port}=${server.token}`)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    const asset = await get(server.port, '/assets/app.js', { cookie: `graft_token_${server.port}=${server.token}` })
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/)
  })

  it('makes path traversal impossible', async () => {
    const t = `token=${server.token}`
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/leak.js', '/%00index.html', '/.hidden.js', '/%E0%A4%A']) {
      const r = await get(server.port, `${p}?${t}`)
      expect(r.status, p).toBe(404)
      expect(r.body).not.toContain('secret')
    }
  })

  it('refuses other Host headers (DNS rebinding) and non-GET methods', async () => {
    expect((await get(server.port, `/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403)
    expect((await get(server.port, `/?token=${server.token}`, {}, 'POST')).status).toBe(405)
  })

  it('refuses WebSocket upgrades without the token (401) or from another Origin (403)', async () => {
    expect(await connect(`ws://127.0.0.1:${server.port}/api`, origin)).toBe(401)
    expect(await connect(`ws://127.0.0.1:${server.port}/api?token=nope`, origin)).toBe(401)
    expect(await connect(wsUrl, 'http://evil.example')).toBe(403)
    expect(await connect(wsUrl, `http://127.0.0.1:${server.port + 1}`)).toBe(403)
    expect(await connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, origin)).toBe(404)
  })

  it('answers app.info over the WebSocket with a good token and Origin', async () => {
    const ws = await connect(wsUrl, origin)
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`)
    const r = await rpc(ws, { id: 1, method: 'app.info', params: {} })
    expect(r).toMatchObject({ id: 1, reply: { ok: true, result: { mode: 'web', demoDir: join(root, 'demo') } } })
    ws.close()
  })

  it('answers bad requests with BAD_REQUEST', async () => {
    const ws = (await connect(wsUrl, origin)) as WebSocket
    expect(await rpc(ws, { id: 'a', method: 'model.inspect', params: { path: 7 } })).toMatchObject({ id: 'a', reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, { id: 2, method: 'shell.exec', params: {} })).toMatchObject({ id: 2, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, '{not json')).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, { method: 'app.info' })).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    ws.close()
  })

  it('lists the demo, keeps settings in the config dir, and pushes job events', async () => {
    const ws = (await connect(wsUrl, origin)) as WebSocket
    const list = await rpc(ws, { id: 1, method: 'library.list', params: {} })
    expect(list.reply.result.map((e: { origin: string; vocabSize: number }) => [e.origin, e.vocabSize])).toEqual([['demo', 16]])
    await rpc(ws, { id: 2, method: 'library.addFolder', params: { path: root } })
    expect(JSON.parse(await readFile(join(root, 'config', 'settings.json'), 'utf8')).libraryFolders).toEqual([root])
    const events: any[] = []
    const finished = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString())
        if (m.event) {
          events.push(m.event)
          if (m.event.job.endedAt) resolve()
        }
      }),
    )
    const start = await rpc(ws, { id: 3, method: 'jobs.start', params: { kind: 'hash', params: { path: base } } })
    expect(start.reply.ok).toBe(true)
    await finished
    const last = events.at(-1).job
    expect(last).toMatchObject({ id: start.reply.result.id, kind: 'hash', state: 'done' })
    expect(last.result.files.map((f: { file: string }) => f.file.split('/').pop())).toContain('model.safetensors')
    ws.close()
  })

  it('listens on 127.0.0.1 only', async () => {
    await expect(startWebServer({ host: '0.0.0.0', rendererDir: root, jobs })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
