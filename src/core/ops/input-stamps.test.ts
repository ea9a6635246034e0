import { describe, expect, it } from 'vitest'
import { mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Plan } from '../../shared/plan'
import { changedInputs, stampPlanInputs } from './input-stamps'

/** A plan reading `dir` (base) and a tensor file elsewhere; the rest of the plan does not matter here. */
function planOf(dir: string, tensorFile: string): Plan {
  return {
    inputs: [{ role: 'base', path: dir }],
    tensors: [{ name: 'w', source: { file: tensorFile } }],
    stats: [],
    files: [],
  } as unknown as Plan
}

describe('stampPlanInputs / changedInputs', () => {
  it('stamps the input folder’s files (symlinks followed, subfolders skipped) and every tensor file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'graft-stamps-'))
    const dir = join(root, 'base')
    await (await import('node:fs/promises')).mkdir(join(dir, 'sub'), { recursive: true })
    await writeFile(join(dir, 'config.json'), '{}')
    await writeFile(join(root, 'blob'), 'x')
    await symlink(join(root, 'blob'), join(dir, 'tokenizer.json'))
    await writeFile(join(dir, 'sub', 'ignored.txt'), 'x')
    await writeFile(join(root, 'elsewhere.safetensors'), 'y')
    const stamps = await stampPlanInputs(planOf(dir, join(root, 'elsewhere.safetensors')))
    expect(stamps.map((s) => s.path)).toEqual([join(dir, 'config.json'), join(dir, 'tokenizer.json'), join(root, 'elsewhere.safetensors')].sort())
    expect(await changedInputs(stamps)).toEqual([])
  })

  it('names each change: size, modification time, replacement, removal; a new file is not a change', async () => {
    const root = await mkdtemp(join(tmpdir(), 'graft-stamps-'))
    for (const f of ['a', 'b', 'c', 'd']) await writeFile(join(root, f), 'same')
    const stamps = await stampPlanInputs(planOf(root, join(root, 'a')))
    await writeFile(join(root, 'a'), 'longer')
    await utimes(join(root, 'b'), new Date(2001, 1, 1), new Date(2001, 1, 1))
    await writeFile(join(root, 'c.new'), 'same')
    await rename(join(root, 'c.new'), join(root, 'c'))
    await rm(join(root, 'd'))
    await writeFile(join(root, 'e'), 'new file')
    const changes = await changedInputs(stamps)
    expect(changes.map((c) => c.path)).toEqual(['a', 'b', 'c', 'd'].map((f) => join(root, f)))
    expect(changes.map((c) => c.change)).toEqual([
      `${join(root, 'a')} changed size (4 → 6 bytes)`,
      `${join(root, 'b')} was modified`,
      `${join(root, 'c')} was replaced by another file`,
      `${join(root, 'd')} was removed or moved`,
    ])
  })
})
