import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executePlan, useDirectReads } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { planMerge } from '../../src/core/lora/plan-merge'
import { planConvert } from '../../src/core/plan/plan-convert'
import { makeTmp } from './helpers'

const DEMO = join(import.meta.dirname, '..', '..', 'resources', 'demo')

let root: string
beforeAll(async () => {
  root = await makeTmp('direct-read')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  for (const f of (await readdir(dir)).sort()) if (f.endsWith('.safetensors')) out.set(f, await readFile(join(dir, f)))
  return out
}

/** Runs `plan()` with GRAFT_DIRECT_IO forced to `mode` and returns the output's shard bytes. */
async function runWith(mode: '0' | '1', name: string, plan: (out: string) => ReturnType<typeof planConvert>): Promise<Map<string, Buffer>> {
  const before = process.env.GRAFT_DIRECT_IO
  process.env.GRAFT_DIRECT_IO = mode
  try {
    const out = join(root, `${name}-${mode}`)
    await executePlan({ plan: await plan(out), runner: inProcessRunner() })
    return await filesOf(out)
  } finally {
    if (before === undefined) delete process.env.GRAFT_DIRECT_IO
    else process.env.GRAFT_DIRECT_IO = before
  }
}

describe('reads around the page cache (O_DIRECT)', () => {
  it('turn on for inputs over a quarter of memory, and GRAFT_DIRECT_IO forces either way', () => {
    const gib = 2 ** 30
    expect(useDirectReads(13.5 * gib, {}, 24 * gib)).toBe(true)
    expect(useDirectReads(1 * gib, {}, 24 * gib)).toBe(false)
    expect(useDirectReads(1 * gib, { GRAFT_DIRECT_IO: '1' }, 24 * gib)).toBe(true)
    expect(useDirectReads(13.5 * gib, { GRAFT_DIRECT_IO: '0' }, 24 * gib)).toBe(false)
  })

  it('a merge (fused LoRA path, byte copies, resized vocab) writes the same bytes either way', async () => {
    const plan = (out: string) => planMerge({ base: join(DEMO, 'base'), adapters: [{ dir: join(DEMO, 'adapter') }], out })
    const buffered = await runWith('0', 'merge', plan)
    const direct = await runWith('1', 'merge', plan)
    expect([...direct.keys()]).toEqual([...buffered.keys()])
    for (const [f, bytes] of buffered) expect(Buffer.compare(direct.get(f)!, bytes), f).toBe(0)
  })

  it('a resharded copy (byte ranges at unaligned offsets) writes the same bytes either way', async () => {
    const plan = (out: string) => planConvert({ base: join(DEMO, 'base'), out, dtype: 'keep', maxShardBytes: 1_000_003 })
    const buffered = await runWith('0', 'copy', plan)
    const direct = await runWith('1', 'copy', plan)
    expect(buffered.size).toBeGreaterThan(1)
    for (const [f, bytes] of buffered) expect(Buffer.compare(direct.get(f)!, bytes), f).toBe(0)
  })
})
