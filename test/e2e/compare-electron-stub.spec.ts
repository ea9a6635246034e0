import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { Tokenizer } from 'tokenizers'
import { DEMO, ROOT } from './web-mode'

/**
 * The built Electron main under Node with the electron stub: compare.* over IPC and a
 * compare-corpus job run in the bundled compare-worker chunk (electron-vite's ?modulePath), not
 * the TypeScript source.
 */
test('built Electron main runs the bundled compare worker (electron stubbed)', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'graft-compare-stub-'))
  try {
    const base = join(DEMO, 'base')
    const qwen3 = join(ROOT, 'test', 'fixtures', 'tokenizers', 'qwen3')
    const corpus = join(tmp, 'corpus.txt')
    await writeFile(corpus, 'one line\nanother line, 日本語\n')
    const r = spawnSync(process.execPath, ['--import', join(import.meta.dirname, 'electron-stub', 'register.mjs'), join(import.meta.dirname, 'compare-main-stub.mjs'), base, qwen3, corpus], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, GRAFT_CONFIG_DIR: join(tmp, 'config'), HF_HUB_CACHE: join(tmp, 'hub') },
    })
    const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '))
    expect(line, `no report; exit ${r.status}\n${r.stdout}\n${r.stderr}`).toBeTruthy()
    const report = JSON.parse(line!.slice('REPORT '.length))
    const count = async (dir: string, text: string) => (await Tokenizer.fromFile(join(dir, 'tokenizer.json')).encode(text, null, { addSpecialTokens: false })).getIds().length
    expect(report.text.ok).toBe(true)
    expect(report.text.result.view.entries.map((e: { count: number }) => e.count)).toEqual([await count(base, 'Hello 世界 😀'), await count(qwen3, 'Hello 世界 😀')])
    expect(report.chat.result.map((e: { ok: boolean }) => e.ok)).toEqual([false, true])
    expect(report.bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(report.job).toMatchObject({ kind: 'compare-corpus', state: 'done', title: 'Compare demo/base vs qwen3 on corpus.txt' })
    expect(report.job.result.total.perTokenizer.map((m: { tokens: number }) => m.tokens)).toEqual([
      (await count(base, 'one line')) + (await count(base, 'another line, 日本語')),
      (await count(qwen3, 'one line')) + (await count(qwen3, 'another line, 日本語')),
    ])
    expect(report.quit).toBe(true)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
})
