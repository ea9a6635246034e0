import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { SHOTS, spawnWebMode } from './web-mode'

/** A plain HTTP server on another 127.0.0.1 port that records the headers of every request. */
async function recordingServer(): Promise<{ origin: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.headers)
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end('<!doctype html><title>other app</title><p>another local web app</p>')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) }
}

const tokenOf = (url: string) => /#token=([0-9a-f]{64})/.exec(url)![1]

test('the token leaves the address bar at once and never reaches another local port', async ({ page, context }) => {
  await mkdir(SHOTS, { recursive: true })
  const base = await mkdtemp(join(tmpdir(), 'graft-e2e-token-'))
  const web = await spawnWebMode({ ...process.env, GRAFT_CONFIG_DIR: join(base, 'config'), HF_HUB_CACHE: join(base, 'hub') }, base)
  const other = await recordingServer()
  try {
    const token = tokenOf(web.url)
    await page.goto(web.url)
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible()
    await expect(page.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
    expect(page.url()).not.toContain(token)
    expect(page.url()).not.toContain('#')
    expect(await context.cookies()).toEqual([])
    // A reload keeps working: the tab kept the token in sessionStorage.
    await page.reload()
    await expect(page.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
    // Same browser context, another port of the same host (any local dev server or notebook).
    await page.goto(other.origin + '/')
    await page.goto(other.origin + '/favicon.ico').catch(() => {})
    expect(other.seen.length).toBeGreaterThan(0)
    for (const headers of other.seen) {
      expect(headers.cookie).toBeUndefined()
      expect(JSON.stringify(headers)).not.toContain(token)
    }
    // History does not hold it either.
    await page.goBack()
    await page.goBack()
    expect(page.url()).not.toContain(token)
  } finally {
    await other.close()
    await web.stop()
  }
})

test('the browser Graft opens gets a one-time launch code, not the token, and connects with it', async ({ page }) => {
  const base = await mkdtemp(join(tmpdir(), 'graft-e2e-launch-'))
  const bin = join(base, 'bin')
  await mkdir(bin, { recursive: true })
  const argvLog = join(base, 'xdg-open.argv')
  // A stand-in xdg-open that records its arguments.
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${argvLog}'; done\n`)
  await chmod(join(bin, 'xdg-open'), 0o755)
  const env = { ...process.env, GRAFT_CONFIG_DIR: join(base, 'config'), HF_HUB_CACHE: join(base, 'hub'), DISPLAY: ':99', WAYLAND_DISPLAY: '', PATH: `${bin}:${process.env.PATH}` }
  const web = await spawnWebMode(env, base, { open: true })
  try {
    const token = tokenOf(web.url)
    await expect.poll(() => readFile(argvLog, 'utf8').catch(() => '')).toMatch(/#launch=/)
    const argv = await readFile(argvLog, 'utf8')
    expect(argv).not.toContain(token)
    const launchUrl = argv.trim()
    await page.goto(launchUrl)
    await expect(page.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
    expect(page.url()).not.toContain('launch')
    // A second use of the same launch link (someone who read it from the process list) gets nothing.
    const second = await page.context().browser()!.newContext()
    const p2 = await second.newPage()
    await p2.goto(launchUrl)
    await expect(p2.getByRole('heading', { name: 'Open Graft with its link' })).toBeVisible()
    await second.close()
  } finally {
    await web.stop()
  }
})

test('after a restart, an old tab says so on a styled page and points to the new link', async ({ page }) => {
  await mkdir(SHOTS, { recursive: true })
  const base = await mkdtemp(join(tmpdir(), 'graft-e2e-restart-'))
  const env = { ...process.env, GRAFT_CONFIG_DIR: join(base, 'config'), HF_HUB_CACHE: join(base, 'hub') }
  const first = await spawnWebMode(env, join(base, 'first'))
  const port = new URL(first.url).port
  await page.goto(first.url)
  await expect(page.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
  await first.stop()
  await expect(page.getByRole('status')).toContainText('Reconnecting')
  const second = await spawnWebMode(env, join(base, 'second'), { args: ['--port', port] })
  try {
    const notice = page.getByRole('alert')
    await expect(notice.getByRole('heading', { name: 'Graft was restarted' })).toBeVisible()
    await expect(notice).toContainText('Open the new link printed in the terminal')
    // Styled, not a bare text page: the app's stylesheet applies to the card.
    const card = page.locator('.session-ended-card')
    expect(await card.evaluate((el) => getComputedStyle(el).borderRadius)).not.toBe('0px')
    await page.screenshot({ path: join(SHOTS, 'web-restarted-old-tab.png') })
    // Pasting the new link into the same tab reconnects it.
    await page.goto(second.url)
    await expect(page.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
  } finally {
    await second.stop()
  }
})
