import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import WebSocket from 'ws'
import { tempDir } from '../helpers/tiny-model'

const REPO = resolve(__dirname, '../..')
const BUILT = existsSync(join(REPO, 'out/renderer/index.html'))

/** Sends one request and waits for its reply; job events are collected into `events`. */
function rpc(ws: WebSocket, id: number, method: string, params: unknown): Promise<{ ok: boolean; result?: any; error?: any }> {
  return new Promise((done) => {
    const onMessage = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString())
      if (m.id === id && 'reply' in m) {
        ws.off('message', onMessage)
        done(m.reply)
      }
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ id, method, params }))
  })
}

describe('graft serve from any directory', () => {
  // graft serve needs the built UI (node scripts/build.mjs); without it the command refuses to start.
  it.skipIf(!BUILT)('plans and runs a merge job with the working directory outside the checkout', async () => {
    const cwd = await tempDir('graft-serve-cwd-')
    const child = spawn(process.execPath, [join(REPO, 'bin/graft.mjs'), 'serve', '--no-open', '--port', '0'], { cwd, env: { ...process.env, GRAFT_CONFIG_DIR: join(cwd, 'config'), HF_HUB_OFFLINE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    try {
      const url = await new Promise<URL>((ok, fail) => {
        let out = ''
        child.stdout.on('data', (d) => {
          out += d
          const m = /running at (\S+)/.exec(out)
          if (m) ok(new URL(m[1]))
        })
        child.on('exit', () => fail(new Error(`serve exited: ${stderr}`)))
      })
      const token = new URLSearchParams(url.hash.slice(1)).get('token')
      const ws = new WebSocket(`ws://${url.host}/api`, ['graft', `graft.token.${token}`], { origin: url.origin })
      await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)))
      const demo = join(REPO, 'resources/demo')
      const planned = await rpc(ws, 1, 'jobs.plan', { request: { kind: 'merge', params: { base: join(demo, 'base'), adapters: [{ dir: join(demo, 'adapter') }], out: join(cwd, 'merged') } } })
      expect(planned.ok, JSON.stringify(planned.error)).toBe(true)
      const started = await rpc(ws, 2, 'jobs.start', { planId: planned.result.planId })
      expect(started.ok, JSON.stringify(started.error)).toBe(true)
      let job: any
      for (let i = 0; i < 120; i++) {
        job = (await rpc(ws, 10 + i, 'jobs.list', {})).result.find((j: { id: string }) => j.id === started.result.id)
        if (job.state !== 'running') break
        await new Promise((r) => setTimeout(r, 500))
      }
      expect(job.state, JSON.stringify(job.error)).toBe('done')
      expect(job.result.verification.ok).toBe(true)
      expect(existsSync(join(cwd, 'merged', 'model.safetensors'))).toBe(true)
      expect(stderr).not.toContain('tsx')
      ws.close()
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
  }, 180_000)
})
