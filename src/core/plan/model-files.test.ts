import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PlanNote } from '../../shared/plan'
import { executePlan } from '../exec/execute-plan'
import { inProcessRunner } from '../exec/in-process-runner'
import { tempDir, writeModel } from '../../../test/helpers/tiny-model'
import { planConvert } from './plan-convert'
import { copyModelFiles, MAX_SUBFOLDER_FILES } from './model-files'

let root: string
const fifos: string[] = []
function mkfifo(p: string): string {
  execFileSync('mkfifo', [p])
  fifos.push(p)
  return p
}

beforeAll(async () => {
  root = await tempDir('graft-model-files-')
})
afterAll(async () => {
  for (const f of fifos) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      /* nobody blocked */
    }
  }
  await rm(root, { recursive: true, force: true })
})

/**
 * A valid model folder with everything a real one may hold beside its weights: a
 * sentence-transformers subfolder, a link to a folder, a link to a file, and the odd entries of
 * finding 10 (a link to a pipe, a looping link, a dangling link), plus a stale ONNX export.
 */
async function oddModel(name: string): Promise<string> {
  const dir = join(root, name)
  await writeModel(dir, { 'embed_tokens.weight': { dtype: 'F32', shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] } }, { model_type: 'llama', vocab_size: 4 })
  await writeFile(join(dir, 'modules.json'), '[{"idx": 0, "path": ""}, {"idx": 1, "path": "1_Pooling"}]')
  await mkdir(join(dir, '1_Pooling'))
  await writeFile(join(dir, '1_Pooling', 'config.json'), '{"pooling_mode_mean_tokens": true}')
  await mkdir(join(dir, '2_Normalize'))
  await mkdir(join(root, `${name}-assets`))
  await writeFile(join(root, `${name}-assets`, 'logo.txt'), 'logo')
  await symlink(join(root, `${name}-assets`), join(dir, 'assets'))
  await writeFile(join(root, `${name}-license.txt`), 'MIT')
  await symlink(join(root, `${name}-license.txt`), join(dir, 'LICENSE'))
  await symlink(mkfifo(join(root, `${name}.fifo`)), join(dir, 'notes.txt'))
  await symlink('docs2', join(dir, 'docs'))
  await symlink('docs', join(dir, 'docs2'))
  await symlink(join(root, 'nowhere'), join(dir, 'dangling.md'))
  await mkdir(join(dir, 'onnx'))
  await writeFile(join(dir, 'onnx', 'model.onnx'), 'stale')
  await writeFile(join(dir, 'onnx', 'config.json'), '{}')
  return dir
}

describe('copyModelFiles: decided at plan time', () => {
  it('copies regular files, links to files and small subfolders; names every entry it leaves out', async () => {
    const dir = await oddModel('plan')
    const warnings: PlanNote[] = []
    const files = await copyModelFiles({ dir, skip: ['config.json'], warnings })
    expect(files.map((f) => f.path).sort()).toEqual(['1_Pooling/config.json', 'LICENSE', 'assets/logo.txt', 'modules.json'])
    const text = warnings.map((w) => `${w.code}: ${w.message}`).join('\n')
    expect(text).toMatch(/FILES_NOT_COPIED: .*dangling\.md \(a dangling link\), docs \(a looping link\), docs2 \(a looping link\), notes\.txt \(a named pipe\)/)
    expect(text).toMatch(/SUBFOLDER_WEIGHTS_NOT_COPIED: .*onnx\/ \(onnx\/model\.onnx\)/)
  })

  it('leaves out a subfolder tree too large to be a side folder, with a warning', async () => {
    const dir = join(root, 'big-tree')
    await mkdir(join(dir, 'images'), { recursive: true })
    for (let i = 0; i <= MAX_SUBFOLDER_FILES; i++) await writeFile(join(dir, 'images', `${i}.txt`), '')
    await writeFile(join(dir, 'tokenizer_config.json'), '{}')
    const warnings: PlanNote[] = []
    const files = await copyModelFiles({ dir, warnings })
    expect(files.map((f) => f.path)).toEqual(['tokenizer_config.json'])
    expect(warnings).toEqual([expect.objectContaining({ code: 'SUBFOLDER_NOT_COPIED', message: expect.stringContaining('images/') })])
  })

  it('flags a JSON file that does not parse (copied as it is), without quoting it', async () => {
    const dir = join(root, 'bad-json')
    await mkdir(dir)
    await writeFile(join(dir, 'tokenizer.json'), '{"model": SECRET')
    const warnings: PlanNote[] = []
    const files = await copyModelFiles({ dir, warnings })
    expect(files.map((f) => f.path)).toEqual(['tokenizer.json'])
    expect(warnings[0]).toMatchObject({ code: 'INVALID_JSON_COPIED' })
    expect(warnings[0].message).toContain(join(dir, 'tokenizer.json'))
    expect(warnings[0].message).toContain('line 1, column 11')
    expect(warnings[0].message).not.toContain('SECRET')
  })
})

describe('executing a plan of such a folder never fails in the final copy', () => {
  it('convert: completes, with the subfolder and the linked folder copied and nothing odd opened', async () => {
    const dir = await oddModel('exec')
    const out = join(root, 'exec-out')
    const plan = await planConvert({ base: dir, out })
    expect(plan.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['FILES_NOT_COPIED', 'SUBFOLDER_WEIGHTS_NOT_COPIED']))
    const res = await Promise.race([
      executePlan({ plan, runner: inProcessRunner(), signal: new AbortController().signal }),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error('execute blocked')), 20_000)),
    ])
    expect(res.outDir).toBe(out)
    expect((await readdir(out)).sort()).toEqual(expect.arrayContaining(['1_Pooling', 'LICENSE', 'assets', 'config.json', 'model.safetensors', 'modules.json']))
    expect(await readFile(join(out, '1_Pooling', 'config.json'), 'utf8')).toContain('pooling_mode_mean_tokens')
    expect(await readFile(join(out, 'assets', 'logo.txt'), 'utf8')).toBe('logo')
    for (const absent of ['notes.txt', 'docs', 'docs2', 'dangling.md', 'onnx']) expect(await readdir(out)).not.toContain(absent)
  })
})
