import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDir } from '../helpers/tiny-model'

const REPO = resolve(__dirname, '../..')
const DEMO = join(REPO, 'resources/demo')
const BIN = join(REPO, 'bin/graft.mjs')

/** `node <repo>/bin/graft.mjs …` run from a folder outside the checkout (as a global install or npm link does). */
function graftFrom(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 90_000 })
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr }
}

describe('graft run from any directory', () => {
  it('every command that uses the worker pool works with the working directory outside the checkout', async () => {
    const cwd = await tempDir('graft-cwd-')
    const base = join(DEMO, 'base')
    const runs: [string, string[]][] = [
      ['merge', ['merge', '--base', base, '--adapter', join(DEMO, 'adapter'), '--out', join(cwd, 'merged')]],
      ['convert', ['convert', '--in', base, '--out', join(cwd, 'f32'), '--dtype', 'f32']],
      ['vocab --scan', ['vocab', base, '--scan', '--json']],
      ['untrained scan', ['untrained', 'scan', base, '--json']],
      ['untrained fix', ['untrained', 'fix', '--in', base, '--out', join(cwd, 'fixed')]],
      ['resize', ['resize', '--in', base, '--out', join(cwd, 'resized'), '--pad-to-multiple-of', '128']],
      ['tokens add', ['tokens', 'add', '--in', base, '--out', join(cwd, 'added'), '--special', '<x>']],
      ['tokens extend', ['tokens', 'extend', '--in', base, '--out', join(cwd, 'extended'), '--token', ' καλημέρα']],
    ]
    for (const [what, args] of runs) {
      const r = graftFrom(cwd, ...args)
      expect(r.signal, `${what} was killed (hang)`).toBeNull()
      expect(r.code, `${what}: ${r.err}`).toBe(0)
      expect(r.err, what).not.toContain('tsx')
      expect(r.err, what).not.toContain('    at ')
    }
    for (const out of ['merged', 'f32', 'fixed', 'resized', 'added', 'extended']) expect(existsSync(join(cwd, out, 'model.safetensors')), out).toBe(true)
    // No hidden temp folder is left beside the outputs.
    expect(readdirSync(cwd).filter((n) => n.includes('graft-tmp'))).toEqual([])
  }, 600_000)
})
