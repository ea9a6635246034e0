import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { ROOT, SHOTS } from './web-mode'

/** The installed Electron executable, or null (this machine cannot download it). */
function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules', 'electron')
  const pathTxt = join(dir, 'path.txt')
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : null
  const p = process.env.ELECTRON_OVERRIDE_DIST_PATH ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron') : rel ? join(dir, 'dist', rel) : null
  return p && existsSync(p) ? p : null
}

const bin = electronBinary()
const SKIP_REASON = 'Electron binary not installed: node_modules/electron/dist missing'

test('Electron opens the Library through the sandboxed preload bridge', async () => {
  if (!bin) console.log(`electron.spec.ts: skipped: ${SKIP_REASON} (electron-main-stub.spec.ts covers the built main process without it)`)
  test.skip(!bin, SKIP_REASON)
  const tmp = await mkdtemp(join(tmpdir(), 'graft-electron-'))
  await mkdir(SHOTS, { recursive: true })
  const app = await electron.launch({
    executablePath: bin!,
    args: [ROOT],
    env: { ...process.env, GRAFT_CONFIG_DIR: join(tmp, 'config'), HF_HUB_CACHE: join(tmp, 'hub') },
  })
  try {
    const win = await app.firstWindow()
    await expect(win.getByRole('button', { name: 'demo/base', exact: true })).toBeVisible()
    // The renderer has no Node and reaches only allow-listed methods.
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined')
    const refused = await win.evaluate(() => window.graft!.invoke('fs.read' as never, {} as never))
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    const info = await win.evaluate(() => window.graft!.invoke('app.info', {}))
    expect(info).toMatchObject({ ok: true, result: { mode: 'electron' } })
    // contextIsolation + sandbox + no nodeIntegration: the page sees neither Node nor Electron.
    expect(await win.evaluate(() => [typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { module?: unknown }).module])).toEqual(['undefined', 'undefined'])
    // Navigation away from Graft's page is blocked, and so are new windows.
    await win.evaluate(() => {
      window.open('https://example.com/')
      location.href = 'https://example.com/'
    })
    await win.waitForTimeout(500)
    expect(win.url()).toMatch(/out\/renderer\/index\.html/)
    expect(app.windows()).toHaveLength(1)
    await win.screenshot({ path: join(SHOTS, 'electron-library.png') })
  } finally {
    await app.close()
    await rm(tmp, { recursive: true, force: true })
  }
})
