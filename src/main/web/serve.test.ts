import { request } from 'node:http'
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
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

/** Opens a WebSocket (offering the token as the page does, when given) and resolves with it, or with the HTTP status that refused the upgrade. */
function connect(url: string, origin?: string, token?: string | null): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? ['graft', `graft.token.${token}`] : [], origin ? { origin } : {})
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
  /** Connects to the API with the right token. */
  const open = (o = origin) => connect(wsUrl, o, server.token)

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
    wsUrl = `ws://127.0.0.1:${server.port}/api`
  })
  afterAll(async () => {
    await server?.close()
    await rm(root, { recursive: true, force: true })
  })

  it('prints a 127.0.0.1 URL with a 64-hex token in the fragment (never sent to a server)', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`)
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
  })

  it('serves the public UI bundle without a secret, with strict headers and no cookie', async () => {
    const r = await get(server.port, '/')
    expect(r.status).toBe(200)
    expect(r.body).toContain('<title>Graft</title>')
    expect(r.body).not.toContain(server.token)
    const csp = String(r.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(r.headers['x-content-type-options']).toBe('nosniff')
    // Browsers send a cookie to every port of 127.0.0.1: the token must never be one.
    expect(r.headers['set-cookie']).toBeUndefined()
    expect((await get(server.port, `/?token=${server.token}`)).headers['set-cookie']).toBeUndefined()
    const asset = await get(server.port, '/assets/app.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/)
    expect(asset.headers['set-cookie']).toBeUndefined()
  })

  it('has no launch code to trade when no browser was opened', async () => {
    expect(server.launchUrl).toMatch(/#launch=[0-9a-f]{32}$/)
    const code = server.launchUrl.split('#launch=')[1]
    expect((await get(server.port, '/launch', { 'x-graft-launch': code, origin }, 'POST')).status).toBe(410)
  })

  it('makes path traversal impossible', async () => {
    const t = `x=1`
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/leak.js', '/%00index.html', '/.hidden.js', '/%E0%A4%A']) {
      const r = await get(server.port, `${p}?${t}`)
      expect(r.status, p).toBe(404)
      expect(r.body).not.toContain('secret')
    }
  })

  it('refuses other Host headers (DNS rebinding) and non-GET methods', async () => {
    expect((await get(server.port, `/`, { host: `evil.example:${server.port}` })).status).toBe(403)
    expect((await get(server.port, `/`, {}, 'POST')).status).toBe(405)
    expect((await get(server.port, `/launch`, { host: `evil.example:${server.port}` }, 'POST')).status).toBe(403)
  })

  it('refuses WebSocket upgrades without the token (401) or from another Origin (403)', async () => {
    expect(await connect(wsUrl, origin)).toBe(401)
    expect(await connect(wsUrl, origin, 'nope')).toBe(401)
    expect(await connect(wsUrl, origin, 'a'.repeat(64))).toBe(401)
    // The old ways (query string, cookie) no longer carry the token.
    expect(await connect(`${wsUrl}?token=${server.token}`, origin)).toBe(401)
    expect(await new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, { origin, headers: { cookie: `graft_token_${server.port}=${server.token}` } })
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode))
      ws.once('open', () => resolve('open'))
    })).toBe(401)
    expect(await open('http://evil.example')).toBe(403)
    expect(await open(`http://127.0.0.1:${server.port + 1}`)).toBe(403)
    expect(await connect(`ws://127.0.0.1:${server.port}/other`, origin, server.token)).toBe(404)
  })

  it('answers app.info over the WebSocket with a good token and Origin', async () => {
    const ws = await open()
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`)
    // The server picks the plain API subprotocol: the token is not echoed back.
    expect(ws.protocol).toBe('graft')
    const r = await rpc(ws, { id: 1, method: 'app.info', params: {} })
    expect(r).toMatchObject({ id: 1, reply: { ok: true, result: { mode: 'web', demoDir: join(root, 'demo') } } })
    ws.close()
  })

  it('answers bad requests with BAD_REQUEST', async () => {
    const ws = (await open()) as WebSocket
    expect(await rpc(ws, { id: 'a', method: 'model.inspect', params: { path: 7 } })).toMatchObject({ id: 'a', reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, { id: 2, method: 'shell.exec', params: {} })).toMatchObject({ id: 2, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, '{not json')).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    expect(await rpc(ws, { method: 'app.info' })).toMatchObject({ id: null, reply: { ok: false, error: { code: 'BAD_REQUEST' } } })
    ws.close()
  })

  it('lists the demo, keeps settings in the config dir, and pushes job events', async () => {
    const ws = (await open()) as WebSocket
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

  it('opens the browser with a one-time launch code, never the token, in its arguments', async () => {
    const bin = join(root, 'bin')
    await mkdir(bin, { recursive: true })
    const argvLog = join(root, 'xdg-open.argv')
    // A stand-in xdg-open that records its arguments, one per line.
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${argvLog}'; done\n`)
    await chmod(join(bin, 'xdg-open'), 0o755)
    const env = { DISPLAY: ':99', PATH: `${bin}:${process.env.PATH}`, HF_HUB_CACHE: join(root, 'hub') }
    const opened = await startWebServer({ rendererDir: join(root, 'renderer'), jobs, open: true, demoDir: join(root, 'demo'), configDir: join(root, 'config'), env })
    try {
      let argv = ''
      for (let i = 0; i < 100 && !argv; i++) {
        await new Promise((r) => setTimeout(r, 50))
        argv = await readFile(argvLog, 'utf8').catch(() => '')
      }
      expect(argv.trim()).toBe(opened.launchUrl)
      expect(argv).not.toContain(opened.token)
      const code = opened.launchUrl.split('#launch=')[1]
      const o = `http://127.0.0.1:${opened.port}`
      expect((await get(opened.port, '/launch', { 'x-graft-launch': 'f'.repeat(32), origin: o }, 'POST')).status).toBe(410)
      expect((await get(opened.port, '/launch', { 'x-graft-launch': code, origin: 'http://evil.example' }, 'POST')).status).toBe(403)
      const traded = await get(opened.port, '/launch', { 'x-graft-launch': code, origin: o }, 'POST')
      expect(traded.status).toBe(200)
      expect(JSON.parse(traded.body)).toEqual({ token: opened.token })
      // Useless after its first use.
      expect((await get(opened.port, '/launch', { 'x-graft-launch': code, origin: o }, 'POST')).status).toBe(410)
    } finally {
      await opened.close()
    }
  })

  it('lets the launch code expire unused', async () => {
    const env = { DISPLAY: ':99', PATH: `${join(root, 'bin')}:${process.env.PATH}`, HF_HUB_CACHE: join(root, 'hub') }
    const opened = await startWebServer({ rendererDir: join(root, 'renderer'), jobs, open: true, launchCodeTtlMs: 50, demoDir: join(root, 'demo'), configDir: join(root, 'config'), env })
    try {
      await new Promise((r) => setTimeout(r, 120))
      const code = opened.launchUrl.split('#launch=')[1]
      expect((await get(opened.port, '/launch', { 'x-graft-launch': code }, 'POST')).status).toBe(410)
    } finally {
      await opened.close()
    }
  })

  it('listens on 127.0.0.1 only', async () => {
    await expect(startWebServer({ host: '0.0.0.0', rendererDir: root, jobs })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
