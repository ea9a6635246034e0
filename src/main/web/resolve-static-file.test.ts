import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveStaticFile } from './resolve-static-file'
import { parseWebArgs } from './parse-web-args'
import { openBrowser } from './open-browser'

describe('resolveStaticFile', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-static-'))
    await mkdir(join(root, 'site', 'assets'), { recursive: true })
    await writeFile(join(root, 'site', 'index.html'), 'x')
    await writeFile(join(root, 'site', 'assets', 'a.js'), 'x')
    await writeFile(join(root, 'site', 'assets', 'data.bin'), 'x')
    await writeFile(join(root, 'outside.js'), 'x')
    await symlink(join(root, 'outside.js'), join(root, 'site', 'assets', 'out.js'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('maps / to index.html and serves files inside the root', async () => {
    expect((await resolveStaticFile(join(root, 'site'), '/'))?.file).toBe(join(root, 'site', 'index.html'))
    expect(await resolveStaticFile(join(root, 'site'), '/assets/a.js')).toMatchObject({ type: 'text/javascript; charset=utf-8' })
  })

  it('refuses traversal, symlinks out of the root, unknown types and folders', async () => {
    for (const p of ['/../outside.js', '/assets/../../outside.js', '/%2e%2e/outside.js', '/assets/out.js', '/assets/data.bin', '/assets', '/a\\..\\b.js', '/%zz']) {
      expect(await resolveStaticFile(join(root, 'site'), p), p).toBeNull()
    }
  })
})

describe('parseWebArgs', () => {
  it('reads --port and --no-open', () => {
    expect(parseWebArgs([])).toEqual({ port: 0, open: true })
    expect(parseWebArgs(['--port', '5173', '--no-open'])).toEqual({ port: 5173, open: false })
    expect(parseWebArgs(['--port=8080'])).toEqual({ port: 8080, open: true })
    expect(() => parseWebArgs(['--port', 'x'])).toThrow(/--port/)
    expect(() => parseWebArgs(['--port', '70000'])).toThrow(/--port/)
    expect(() => parseWebArgs(['--bogus'])).toThrow(/Unknown option/)
  })
})

describe('openBrowser', () => {
  it('does not try on a Linux machine without a display', () => {
    expect(openBrowser('http://127.0.0.1:1/', {}, 'linux')).toBe(false)
  })
})
