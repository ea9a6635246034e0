import { execFileSync } from 'node:child_process'
import { closeSync, constants, existsSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/cli/main'

/**
 * Input files that are not what they seem (reliability findings §2, finding 10): folders with
 * model-file names, named pipes, looping links, /dev/zero. Every case must end quickly with a
 * clean error that names the file and says what to do (never "This is a bug in Graft"), or, for
 * a valid model folder holding odd entries, plan and succeed with a warning naming them.
 * The CLI runs in-process (its `main`), so a case that would block shows up as a timeout here.
 */

const DEMO = resolve(__dirname, '../../resources/demo')
let root: string
const fifos: string[] = []

function mkfifo(p: string): string {
  execFileSync('mkfifo', [p])
  fifos.push(p)
  return p
}

/** A folder of links to the demo model's files (or adapter's), minus `omit`. */
async function linkFolder(dir: string, from: 'base' | 'adapter', omit: string[] = []): Promise<string> {
  await mkdir(dir, { recursive: true })
  for (const f of await readdir(join(DEMO, from))) if (!omit.includes(f)) await symlink(join(DEMO, from, f), join(dir, f))
  return dir
}

interface Run {
  code: number | string
  out: string
  err: string
}

/** Runs the CLI in-process; a run still going after `ms` reports code 'hang'. */
async function graft(args: string[], ms = 20_000): Promise<Run> {
  let out = ''
  let err = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true))
  try {
    const code = await Promise.race([main(args), new Promise<string>((r) => setTimeout(() => r('hang'), ms))])
    return { code, out, err }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-badfiles-'))
})
afterAll(async () => {
  for (const f of fifos) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      /* no reader blocked */
    }
  }
  await rm(root, { recursive: true, force: true })
})

interface Case {
  id: string
  /** Builds the inputs under `w` and returns the CLI arguments. */
  setup: (w: string) => Promise<string[]>
  /** The file the message must name (a path suffix). */
  names: string
  /** Expected exit code (1 for a refused input, 2 for a usage error). */
  exit?: number
  /** The output is a report (vocab's ✗ line), not an error with a → hint. */
  report?: boolean
  /** Text of the input that must never be repeated in the output. */
  secret?: string
}

const merge = (base: string, adapter: string, w: string) => ['merge', '--base', base, '--adapter', adapter, '--out', join(w, 'out'), '--dry-run']

const CASES: Case[] = [
  {
    id: 'cfg-is-dir: adapter_config.json is a directory',
    names: 'adapter_config.json',
    setup: async (w) => {
      const ad = await linkFolder(join(w, 'adapter'), 'adapter', ['adapter_config.json'])
      await mkdir(join(ad, 'adapter_config.json'))
      return merge(join(DEMO, 'base'), ad, w)
    },
  },
  {
    id: 'ad-st-is-dir: adapter_model.safetensors is a directory',
    names: 'adapter_model.safetensors',
    setup: async (w) => {
      const ad = await linkFolder(join(w, 'adapter'), 'adapter', ['adapter_model.safetensors'])
      await mkdir(join(ad, 'adapter_model.safetensors'))
      return merge(join(DEMO, 'base'), ad, w)
    },
  },
  {
    id: 'ad-symlink-loop: adapter_model.safetensors links to itself',
    names: 'adapter_model.safetensors',
    setup: async (w) => {
      const ad = await linkFolder(join(w, 'adapter'), 'adapter', ['adapter_model.safetensors'])
      await symlink('adapter_model.safetensors', join(ad, 'adapter_model.safetensors'))
      return merge(join(DEMO, 'base'), ad, w)
    },
  },
  {
    id: 'base-index-dir: model.safetensors.index.json is a directory',
    names: 'model.safetensors.index.json',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base')
      await mkdir(join(b, 'model.safetensors.index.json'))
      return merge(b, join(DEMO, 'adapter'), w)
    },
  },
  {
    id: 'base-symlink-loop-weights: model.safetensors is a looping link',
    names: 'model.safetensors',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['model.safetensors'])
      await symlink('model.safetensors', join(b, 'model.safetensors'))
      return merge(b, join(DEMO, 'adapter'), w)
    },
  },
  {
    id: 'base-only-st-dir: model.safetensors is a directory',
    names: 'model.safetensors',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['model.safetensors'])
      await mkdir(join(b, 'model.safetensors'))
      return merge(b, join(DEMO, 'adapter'), w)
    },
  },
  {
    id: 'base-glob-dir: the only *.safetensors is a directory',
    names: 'shard.safetensors',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['model.safetensors'])
      await mkdir(join(b, 'shard.safetensors'))
      return merge(b, join(DEMO, 'adapter'), w)
    },
  },
  {
    id: 'base-config-fifo: config.json is a named pipe (merge)',
    names: 'config.json',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['config.json'])
      mkfifo(join(b, 'config.json'))
      return merge(b, join(DEMO, 'adapter'), w)
    },
  },
  {
    id: 'config_is_directory: config.json is a directory (inspect)',
    names: 'config.json',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['config.json'])
      await mkdir(join(b, 'config.json'))
      return ['inspect', b]
    },
  },
  {
    id: 'inspect of a named pipe',
    names: 'model.fifo',
    setup: async (w) => ['inspect', mkfifo(join(w, 'model.fifo'))],
  },
  {
    id: 'tok-json-dir-add: tokenizer.json is a directory (tokens add)',
    names: 'tokenizer.json',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['tokenizer.json'])
      await mkdir(join(b, 'tokenizer.json'))
      return ['tokens', 'add', '--in', b, '--out', join(w, 'out'), '--special', '<think>', '--dry-run']
    },
  },
  {
    id: 'tok-json-dir-vocab: tokenizer.json is a directory (vocab)',
    names: 'tokenizer.json',
    report: true,
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['tokenizer.json'])
      await mkdir(join(b, 'tokenizer.json'))
      return ['vocab', b]
    },
  },
  {
    id: 'tok-file-dir: --tokens-file is a directory',
    names: 'tokens-dir',
    setup: async (w) => {
      await mkdir(join(w, 'tokens-dir'))
      return ['tokens', 'add', '--in', join(DEMO, 'base'), '--out', join(w, 'out'), '--tokens-file', join(w, 'tokens-dir'), '--dry-run']
    },
  },
  {
    id: 'tok-file-devzero: --tokens-file /dev/zero',
    names: '/dev/zero',
    setup: async (w) => ['tokens', 'add', '--in', join(DEMO, 'base'), '--out', join(w, 'out'), '--tokens-file', '/dev/zero', '--dry-run'],
  },
  {
    id: 'tokens-file is a named pipe',
    names: 'tokens.fifo',
    setup: async (w) => ['tokens', 'add', '--in', join(DEMO, 'base'), '--out', join(w, 'out'), '--tokens-file', mkfifo(join(w, 'tokens.fifo')), '--dry-run'],
  },
  {
    id: 'compare-corpus-devzero: --corpus /dev/zero',
    names: '/dev/zero',
    setup: async () => ['compare', join(DEMO, 'base'), join(DEMO, 'adapter'), '--corpus', '/dev/zero'],
  },
  {
    id: 'compare --chat is a named pipe',
    names: 'chat.fifo',
    setup: async (w) => ['compare', join(DEMO, 'base'), join(DEMO, 'adapter'), '--text', 'hi', '--chat', mkfifo(join(w, 'chat.fifo'))],
  },
  {
    id: 'config.json that is not JSON: named with a line and column, its text never quoted',
    names: 'config.json',
    secret: 'AKIA-SECRET',
    setup: async (w) => {
      const b = await linkFolder(join(w, 'base'), 'base', ['config.json'])
      await writeFile(join(b, 'config.json'), 'AKIA-SECRET-KEY')
      return ['inspect', b]
    },
  },
  {
    id: 'compare --chat file that is not JSON: its text never quoted',
    names: 'chat.json',
    secret: 'AKIA-SECRET',
    setup: async (w) => {
      await writeFile(join(w, 'chat.json'), 'AKIA-SECRET-KEY')
      return ['compare', join(DEMO, 'base'), join(DEMO, 'adapter'), '--text', 'hi', '--chat', join(w, 'chat.json')]
    },
  },
  {
    id: 'resize-seed-nan: --seed abc',
    names: '--seed',
    exit: 2,
    setup: async (w) => ['resize', '--in', join(DEMO, 'base'), '--out', join(w, 'out'), '--size', '32064', '--init', 'mean-noise', '--seed', 'abc', '--dry-run'],
  },
  {
    id: 'tok-huge-token: a 100,000-character special token',
    names: '256',
    exit: 2,
    setup: async (w) => ['tokens', 'add', '--in', join(DEMO, 'base'), '--out', join(w, 'out'), '--special', 'x'.repeat(100_000), '--dry-run'],
  },
]

describe('input files that are not what they seem: clean errors, no hangs', () => {
  it.each(CASES.map((c, i) => ({ ...c, i })))('$id', async ({ setup, names, exit, report, secret, i }) => {
    const w = join(root, `case-${i}`)
    await mkdir(w)
    const args = await setup(w)
    const started = Date.now()
    const r = await graft(args)
    const text = r.out + r.err
    expect(r.code, text).toBe(exit ?? 1)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(text).not.toMatch(/INTERNAL|bug in Graft|Unexpected error/)
    expect(text).toContain(names)
    if ((exit ?? 1) === 1 && !report) expect(text).toContain('→')
    if (secret) expect(text).not.toContain(secret.slice(0, 4))
    expect(existsSync(join(w, 'out'))).toBe(false)
  })
})

describe('a valid model folder holding odd entries is planned once, with a warning naming them', () => {
  it('merge --dry-run: links to a pipe, a loop, a dangling link and a folder; a real subfolder; a broken tokenizer.json', async () => {
    const w = join(root, 'odd-valid')
    const b = await linkFolder(join(w, 'base'), 'base', ['tokenizer.json'])
    await writeFile(join(b, 'tokenizer.json'), '{"version": "1.0", "model": ')
    await mkdir(join(w, 'assets-dir'))
    await writeFile(join(w, 'assets-dir', 'logo.txt'), 'logo')
    await symlink(join(w, 'assets-dir'), join(b, 'assets'))
    await symlink(mkfifo(join(w, 'pipe')), join(b, 'notes.txt'))
    await symlink('docs2', join(b, 'docs'))
    await symlink('docs', join(b, 'docs2'))
    await symlink(join(w, 'nowhere'), join(b, 'dangling.md'))
    await mkdir(join(b, '1_Pooling'))
    await writeFile(join(b, '1_Pooling', 'config.json'), '{"pooling_mode_mean_tokens": true}')
    await mkdir(join(b, 'onnx'))
    await writeFile(join(b, 'onnx', 'model.onnx'), 'stale weights')
    // The demo adapter carries its own tokenizer, which would win over the base's: leave it out.
    const ad = await linkFolder(join(w, 'adapter'), 'adapter', ['tokenizer.json', 'tokenizer_config.json'])
    const r = await graft(['merge', '--base', b, '--adapter', ad, '--out', join(w, 'out'), '--dry-run', '--json'])
    expect(r.code, r.err).toBe(0)
    const plan = JSON.parse(r.out)
    const paths = plan.files.map((f: { path: string }) => f.path)
    expect(paths).toEqual(expect.arrayContaining(['assets/logo.txt', '1_Pooling/config.json', 'tokenizer.json']))
    for (const p of ['notes.txt', 'docs', 'docs2', 'dangling.md', 'onnx/model.onnx']) expect(paths).not.toContain(p)
    const warnings = plan.warnings.map((x: { message: string }) => x.message).join('\n')
    expect(warnings).toMatch(/notes\.txt \(a named pipe\)/)
    expect(warnings).toMatch(/docs \(a looping link\)/)
    expect(warnings).toMatch(/dangling\.md \(a dangling link\)/)
    expect(warnings).toMatch(/onnx\/model\.onnx/)
    expect(warnings).toMatch(/tokenizer\.json \(line 1, column \d+\)/)
  })
})
