import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/tiny-model'

async function tree(files: Record<string, string>): Promise<string> {
  const root = await tempDir('graft-lint-')
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(root, 'src', p, '..'), { recursive: true })
    await writeFile(join(root, 'src', p), text)
  }
  return root
}

function lint(root?: string) {
  return spawnSync(process.execPath, ['scripts/lint-imports.mjs', ...(root ? [root] : [])], { encoding: 'utf8' })
}

describe('import boundary lint', () => {
  it('passes on the project itself', () => {
    const r = lint()
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  const crossings: [string, Record<string, string>, string][] = [
    ['core importing electron', { 'core/a.ts': "import { app } from 'electron'\n" }, 'electron'],
    ['core importing piscina', { 'core/a.ts': "import { Piscina } from 'piscina'\n" }, 'piscina'],
    ['shared importing node', { 'shared/a.ts': "import { join } from 'node:path'\n" }, 'node:path'],
    ['renderer importing core', { 'renderer/src/a.ts': "import { x } from '../../core/b'\n", 'core/b.ts': 'export const x = 1\n' }, 'src/core/b'],
    ['preload importing node', { 'preload/index.ts': "import { readFile } from 'node:fs'\n" }, 'node:fs'],
    ['a module web mode loads importing electron through another', { 'main/web/run-web.ts': "import { x } from '../jobs/a'\n", 'main/jobs/a.ts': "export { y as x } from '../hub/b'\n", 'main/hub/b.ts': "import { app } from 'electron'\nexport const y = app\n" }, 'main/web/run-web.ts → main/jobs/a.ts → main/hub/b.ts'],
    ['a module the CLI loads by dynamic import importing electron', { 'cli/main.ts': "const m = await import('../main/web/run-web')\n", 'main/web/run-web.ts': "import './setup'\n", 'main/web/setup.ts': "import * as e from 'electron/main'\n" }, 'cli/main.ts → main/web/run-web.ts → main/web/setup.ts'],
    ['core importing main', { 'core/a.ts': "export { x } from '../main/b'\n", 'main/b.ts': 'export const x = 1\n' }, 'src/main/b'],
  ]
  it('allows electron where no plain-Node entry reaches it, and type-only imports anywhere', async () => {
    const r = lint(await tree({ 'main/web/run-web.ts': "import type { App } from 'electron'\nimport { x } from '../api/a'\n", 'main/api/a.ts': 'export const x = 1\n', 'main/index.ts': "import { app } from 'electron'\nimport { x } from './api/a'\n" }))
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  for (const [what, files, mention] of crossings) {
    it(`fails on ${what}`, async () => {
      const r = lint(await tree(files))
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(mention)
    })
  }
})
