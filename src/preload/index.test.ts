import { beforeEach, describe, expect, it, vi } from 'vitest'

const exposed: Record<string, unknown> = {}
const invoke = vi.fn(async (channel: string, params: unknown) => ({ ok: true, result: { channel, params } }))
const listeners = new Map<string, (...a: unknown[]) => void>()
const getPathForFile = vi.fn((file: unknown) => {
  if (!(file instanceof Blob)) throw new TypeError('not a File')
  return (file as Blob & { name?: string }).name === 'base' ? '/models/base' : ''
})
vi.mock('electron', () => ({
  webUtils: { getPathForFile: (file: unknown) => getPathForFile(file) },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: (channel: string, params: unknown) => invoke(channel, params),
    on: (channel: string, fn: (...a: unknown[]) => void) => listeners.set(channel, fn),
    off: (channel: string) => listeners.delete(channel),
  },
}))

type Api = import('../shared/api').DesktopBridge

describe('preload bridge', () => {
  beforeEach(async () => {
    invoke.mockClear()
    await import('./index')
  })

  it('exposes window.graft that reaches only allow-listed methods, one channel each', async () => {
    const api = exposed.graft as Api
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onEvent', 'pathForFile'])
    expect(await api.invoke('app.info', {})).toEqual({ ok: true, result: { channel: 'graft:app.info', params: {} } })
    const refused = await api.invoke('fs.readFile' as never, {} as never)
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(await api.invoke('__proto__' as never, {} as never)).toMatchObject({ ok: false })
    expect(invoke).toHaveBeenCalledTimes(1)
    expect(await api.invoke('paths.checkOutput', { out: '/o', inputs: ['/i'] })).toEqual({ ok: true, result: { channel: 'graft:paths.checkOutput', params: { out: '/o', inputs: ['/i'] } } })
  })

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const api = exposed.graft as Api
    const got: unknown[] = []
    const off = api.onEvent((e) => got.push(e))
    listeners.get('graft:event')!({ sender: 'secret' }, { type: 'job', job: { id: '1' } })
    expect(got).toEqual([{ type: 'job', job: { id: '1' } }])
    off()
    expect(listeners.has('graft:event')).toBe(false)
  })

  it('gives the path of a dropped File through webUtils, and null for anything without one', () => {
    const api = exposed.graft as Api
    expect(api.pathForFile!(new File(['x'], 'base'))).toBe('/models/base')
    expect(api.pathForFile!(new File(['x'], 'made-in-page'))).toBeNull()
    expect(api.pathForFile!({ name: 'base' } as never)).toBeNull()
  })
})
