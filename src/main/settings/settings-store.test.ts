import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSettingsStore } from './settings-store'
import { webConfigDir } from './web-config-dir'

describe('settings store', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graft-settings-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('starts from defaults, writes atomically and reads back', async () => {
    const s = await createSettingsStore({ dir: join(dir, 'nested') })
    expect(s.get()).toEqual({ version: 1, libraryFolders: [], recentFolders: [], includeHfCache: true, window: null })
    await Promise.all([
      s.update((x) => {
        x.libraryFolders.push('/a')
      }),
      s.update((x) => {
        x.libraryFolders.push('/b')
        x.window = { x: 10, y: 20, width: 1000, height: 700, maximized: false }
      }),
    ])
    expect(await readdir(join(dir, 'nested'))).toEqual(['settings.json'])
    const again = await createSettingsStore({ dir: join(dir, 'nested') })
    expect(again.get()).toMatchObject({ libraryFolders: ['/a', '/b'], window: { width: 1000 } })
  })

  it('ignores a corrupt file instead of failing, and rejects invalid updates without writing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await writeFile(join(dir, 'settings.json'), '{not json')
    const s = await createSettingsStore({ dir })
    expect(s.get().libraryFolders).toEqual([])
    expect(warn).toHaveBeenCalled()
    await expect(s.update((x) => ({ ...x, version: 2 as 1 }))).rejects.toThrow()
    expect(await readFile(join(dir, 'settings.json'), 'utf8')).toBe('{not json')
    warn.mockRestore()
  })

  it('finds the web-mode config dir', () => {
    expect(webConfigDir({ GRAFT_CONFIG_DIR: '/c' })).toBe('/c')
    expect(webConfigDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/graft')
    expect(webConfigDir({})).toMatch(/\.config\/graft$/)
  })
})
