import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeStaleTemps, tempDirName } from './stale-temps'

const MARKER = '.graft-incomplete'
let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-stale-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** The id of a process that has exited (reuse within the test is vanishingly unlikely). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(r.stdout.toString())
}

async function folder(parent: string, name: string, marked = true, ageMs = 0): Promise<string> {
  const p = join(parent, name)
  await mkdir(p)
  if (marked) await writeFile(join(p, MARKER), 'x')
  await writeFile(join(p, 'model.safetensors'), 'partial')
  if (ageMs) {
    const t = new Date(Date.now() - ageMs)
    await utimes(p, t, t)
  }
  return p
}

describe('removeStaleTemps', () => {
  it('removes the folders of dead Graft processes (marked or not, and .old trash), nothing else', async () => {
    const parent = join(root, 'a')
    await mkdir(parent)
    const dead = deadPid()
    const gone = [
      await folder(parent, tempDirName('merged', dead, 'deadbeef')),
      await folder(parent, tempDirName('merged', dead, '0badf00d'), false), // killed between removing the marker and the rename
      await folder(parent, tempDirName('other', dead, '12345678') + '.old'),
      await folder(parent, '.legacy.graft-tmp-abcdef01', true, 2 * 3600_000), // old name, marked, old
    ]
    const kept = [
      await folder(parent, tempDirName('mine', process.pid, 'aaaaaaaa')), // this process: a job may be running
      await folder(parent, tempDirName('parent', process.ppid, 'bbbbbbbb')), // a live process
      await folder(parent, '.recent.graft-tmp-abcdef02', true), // old name, but touched recently
      await folder(parent, '.unmarked.graft-tmp-abcdef03', false, 2 * 3600_000), // old name, no marker
      await folder(parent, 'merged'), // a real output
      await folder(parent, '.merged.graft-tmp-1-nothex!!'), // not Graft's pattern
    ]
    await writeFile(join(parent, tempDirName('file', dead, 'cccccccc')), 'a file, not a folder')
    const removed = await removeStaleTemps(parent, MARKER)
    expect(removed.sort()).toEqual(gone.sort())
    const left = await readdir(parent)
    for (const k of kept) expect(left).toContain(k.slice(parent.length + 1))
    expect(left).toContain(tempDirName('file', dead, 'cccccccc'))
  })

  it('is quiet about a missing parent', async () => {
    expect(await removeStaleTemps(join(root, 'nope'), MARKER)).toEqual([])
  })
})
