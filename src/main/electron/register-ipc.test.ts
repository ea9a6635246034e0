import { describe, expect, it, vi } from 'vitest'
import { API_METHODS } from '../../shared/api'

const handlers = new Map<string, (event: unknown, params: unknown) => Promise<unknown>>()
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, fn: (event: unknown, params: unknown) => Promise<unknown>) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
  BrowserWindow: { fromWebContents: (wc: { ours?: boolean }) => (wc.ours ? {} : null), getAllWindows: () => [] },
}))

describe('registerIpc', () => {
  it('registers one handler per allow-listed method and checks every sender', async () => {
    const { registerIpc } = await import('./register-ipc')
    const { createHandlers } = await import('../api/create-handlers')
    const rendererUrl = 'file:///app/out/renderer/index.html'
    const api = createHandlers({
      mode: 'electron',
      demoDir: '/nonexistent/demo',
      settings: { file: '', get: () => ({ version: 1, libraryFolders: [], recentFolders: [], includeHfCache: false, window: null }), update: async () => { throw new Error('no') }, idle: async () => {} },
      jobs: { start: () => 'id', cancel: () => false, list: () => [], plan: async () => { throw new Error('no') }, startPlan: async () => { throw new Error('no') } },
      pickFolder: async () => '/picked',
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const dispose = registerIpc({ handlers: api, rendererUrl })
    expect([...handlers.keys()].sort()).toEqual(API_METHODS.map((m) => `graft:${m}`).sort())

    const ours = { sender: { ours: true }, senderFrame: { url: rendererUrl, parent: null } }
    expect(await handlers.get('graft:library.pickFolder')!(ours, {})).toEqual({ ok: true, result: { path: '/picked' } })
    expect(await handlers.get('graft:model.inspect')!(ours, { path: 3 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })

    for (const bad of [
      { sender: { ours: false }, senderFrame: { url: rendererUrl, parent: null } },
      { sender: { ours: true }, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: { ours: true }, senderFrame: { url: rendererUrl, parent: {} } },
      { sender: { ours: true }, senderFrame: null },
    ]) {
      expect(await handlers.get('graft:library.pickFolder')!(bad, {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    }
    dispose()
    expect(handlers.size).toBe(0)
    warn.mockRestore()
  })
})
