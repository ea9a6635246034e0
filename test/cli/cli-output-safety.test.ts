import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/tiny-model'

const DEMO = join(__dirname, '../../resources/demo')

function graft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/graft.mjs', ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

function graftAsync(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['bin/graft.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    c.stdout.on('data', (d) => (out += d))
    c.stderr.on('data', (d) => (err += d))
    c.on('exit', (code) => resolve({ code, out, err }))
  })
}

const merge = (out: string, ...more: string[]) => ['merge', '--base', join(DEMO, 'base'), '--adapter', join(DEMO, 'adapter'), '--out', out, ...more]

describe('graft CLI: output safety', () => {
  it('--overwrite never replaces a folder Graft did not write, nor a plain file', async () => {
    const dir = await tempDir()
    const thesis = join(dir, 'thesis')
    await mkdir(thesis)
    await writeFile(join(thesis, 'thesis.txt'), 'years of work')
    const r = graft(...merge(thesis, '--overwrite'))
    expect(r.code).toBe(1)
    expect(r.err).toContain('OUTPUT_NOT_GRAFT')
    expect(r.err).toContain(thesis)
    expect(r.err).toContain('→ Choose another output folder')
    expect(readdirSync(thesis)).toEqual(['thesis.txt'])
    const file = join(dir, 'notes.txt')
    await writeFile(file, 'keep')
    expect(graft(...merge(file, '--overwrite')).err).toContain('OUTPUT_NOT_GRAFT')
    expect(readFileSync(file, 'utf8')).toBe('keep')
  }, 120_000)

  it('an existing Graft output: refused without --overwrite (hint names the flag), replaced with it', async () => {
    const out = join(await tempDir(), 'merged')
    expect(graft(...merge(out)).code).toBe(0)
    const again = graft(...merge(out))
    expect(again.code).toBe(1)
    expect(again.err).toContain('OUTPUT_EXISTS')
    expect(again.err).toContain('pass --overwrite')
    expect(graft(...merge(out, '--overwrite')).code).toBe(0)
  }, 180_000)

  it('--dry-run shows plan-time errors and exits 1: output inside the base, a parent that is a file, a system folder', async () => {
    const dir = await tempDir()
    const inside = join(DEMO, 'base', 'merged')
    const r = graft(...merge(inside, '--dry-run'))
    expect(r.code).toBe(1)
    expect(r.out).toContain('Cannot run:')
    expect(r.out).toContain(`${inside} lies inside the input`)
    expect(existsSync(inside)).toBe(false)
    const json = graft(...merge(inside, '--dry-run', '--json'))
    expect(json.code).toBe(1)
    expect(JSON.parse(json.out).errors[0]).toMatchObject({ code: 'OUTPUT_OVERLAPS_INPUT', file: inside })
    await writeFile(join(dir, 'f'), '')
    const parentFile = graft(...merge(join(dir, 'f', 'x'), '--dry-run'))
    expect(parentFile.out).toContain(`${join(dir, 'f')} is a file`)
    const etc = graft(...merge('/etc/passwd/x'))
    expect(etc.code).toBe(1)
    expect(etc.err).toMatch(/OUTPUT_FORBIDDEN|OUTPUT_PARENT_NOT_FOLDER/)
    expect(etc.err).not.toContain('INTERNAL')
    expect(etc.err).toContain('/etc/passwd/x')
  }, 180_000)

  it('two merges to one --out at once: one writes it, the other gets OUTPUT_BUSY or OUTPUT_EXISTS, never both exit 0', async () => {
    const out = join(await tempDir(), 'same')
    const [a, b] = await Promise.all([graftAsync(...merge(out)), graftAsync(...merge(out).map((x) => (x === join(DEMO, 'adapter') ? `${x}:0.5` : x)))])
    expect([a.code, b.code].sort()).toEqual([0, 1])
    const failed = a.code === 1 ? a : b
    expect(failed.err).toMatch(/OUTPUT_BUSY|OUTPUT_EXISTS/)
    expect(failed.err).not.toContain('INTERNAL')
    expect(failed.err).toContain(out)
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('graft-'))).toEqual([])
  }, 180_000)
})
