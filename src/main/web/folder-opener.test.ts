import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFolderOpener } from './folder-opener'

describe.skipIf(process.platform === 'win32')('web mode folder opener', () => {
  let root: string
  /** A stand-in opener that records its arguments, one per line. */
  let recorder: string
  const log = () => join(root, 'opened.log')

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-opener-'))
    recorder = join(root, 'record-open')
    await writeFile(recorder, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log()}'; done\n`)
    await chmod(recorder, 0o755)
    await writeFile(join(root, 'fail-open'), '#!/bin/sh\nexit 3\n')
    await chmod(join(root, 'fail-open'), 0o755)
    await mkdir(join(root, 'bin'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('runs GRAFT_FOLDER_OPENER with the folder as its one argument, with no shell', async () => {
    const opener = createFolderOpener({ GRAFT_FOLDER_OPENER: recorder }, 'linux')
    const odd = join(root, "my models; $(touch pwned) 'x'")
    await opener.open!(odd)
    expect(await readFile(log(), 'utf8')).toBe(`${odd}\n`)
  })

  it('reports an opener that exits with an error', async () => {
    const opener = createFolderOpener({ GRAFT_FOLDER_OPENER: join(root, 'fail-open') }, 'linux')
    await expect(opener.open!(root)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('exit code 3') })
  })

  it('says why it cannot open folders: no display, no xdg-open, or a GRAFT_FOLDER_OPENER that is no program', () => {
    expect(createFolderOpener({ PATH: '/usr/bin:/bin' }, 'linux')).toEqual({ note: expect.stringContaining('without a display') })
    expect(createFolderOpener({ DISPLAY: ':0', PATH: join(root, 'bin') }, 'linux')).toEqual({ note: expect.stringContaining('xdg-open is not installed') })
    expect(createFolderOpener({ GRAFT_FOLDER_OPENER: join(root, 'nope') }, 'linux')).toEqual({ note: expect.stringContaining('not an executable program') })
    expect(createFolderOpener({ GRAFT_FOLDER_OPENER: root }, 'linux')).toEqual({ note: expect.stringContaining('not an executable program') })
  })

  it('finds xdg-open on PATH when there is a display, and uses open on macOS', async () => {
    await writeFile(join(root, 'bin', 'xdg-open'), '#!/bin/sh\nexit 0\n')
    await chmod(join(root, 'bin', 'xdg-open'), 0o755)
    expect(createFolderOpener({ WAYLAND_DISPLAY: 'wayland-0', PATH: join(root, 'bin') }, 'linux').open).toBeTypeOf('function')
    expect(createFolderOpener({}, 'darwin').open).toBeTypeOf('function')
  })
})
