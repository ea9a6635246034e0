import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { API_METHODS } from '../../src/shared/api'
import { ROOT } from './web-mode'

/**
 * Where Electron's binary is missing, this still runs the built main process (out/main/index.js)
 * under Node with a stub `electron` module: it checks the window's security preferences, the IPC
 * allow-list and sender checks, navigation blocking, app.openFolder through shell.openPath (folders
 * only), and that the bundled piscina worker chunk runs a real hash job. It does not replace the _electron.launch test in electron.spec.ts.
 */
test('built Electron main wires windows, IPC and the bundled worker (electron stubbed)', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'graft-main-stub-'))
  try {
    const r = spawnSync(process.execPath, ['--import', join(import.meta.dirname, 'electron-stub', 'register.mjs'), join(import.meta.dirname, 'electron-stub', 'run-main.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, GRAFT_CONFIG_DIR: join(tmp, 'config'), HF_HUB_CACHE: join(tmp, 'hub') },
    })
    const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '))
    expect(line, `no report; exit ${r.status}\n${r.stdout}\n${r.stderr}`).toBeTruthy()
    const report = JSON.parse(line!.slice('REPORT '.length))
    expect(report.sandboxEnabled).toBe(true)
    expect(report.channels).toEqual(API_METHODS.map((m) => `graft:${m}`).sort())
    expect(report.loaded).toBe(join(ROOT, 'out', 'renderer', 'index.html'))
    expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: join(ROOT, 'out', 'preload', 'index.cjs') })
    expect(report.preloadExists).toBe(true)
    expect(report.appInfo).toMatchObject({ ok: true, result: { mode: 'electron', demoDir: join(ROOT, 'resources', 'demo'), canOpenFolders: true } })
    expect(report.channels).toContain('graft:app.openFolder')
    expect(report.openFolder).toEqual({ ok: true, result: { path: join(ROOT, 'resources', 'demo', 'base') } })
    expect(report.openFile).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('is a file') } })
    expect(report.openFailed).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('Failed to open path') } })
    // shell.openPath saw the folder twice (the second time it failed), never the file.
    expect(report.opened).toEqual([join(ROOT, 'resources', 'demo', 'base'), join(ROOT, 'resources', 'demo', 'base')])
    expect(report.library.result.map((e: { name: string; vocabSize: number; embedRows: number }) => [e.name, e.vocabSize, e.embedRows])).toEqual([
      ['demo/adapter', 32003, 32003],
      ['demo/base', 32000, 32000],
    ])
    expect(report.badParams).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(report.untrusted).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(report.subframe).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(report.navigationBlocked).toBe(true)
    expect(report.windowOpen).toEqual({ action: 'deny' })
    expect(report.job).toMatchObject({ kind: 'hash', state: 'done' })
    expect(report.job.result.files.map((f: { file: string }) => f.file)).toContain(join(ROOT, 'resources', 'demo', 'base', 'model.safetensors'))
    expect(report.quit).toBe(true)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
})
