import { spawn, type ChildProcess } from 'node:child_process'
import { test, type Page } from '@playwright/test'
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')
export const DEMO = join(ROOT, 'resources', 'demo')
/** Where the tests save screenshots (outside Playwright's outputDir, which it empties on every run). */
export const SHOTS = join(ROOT, 'test-results', 'screenshots')

export interface WebMode {
  url: string
  origin: string
  /** Temporary folders: settings, the fake Hugging Face cache, scratch space. */
  configDir: string
  hfCache: string
  scratch: string
  /** GRAFT_OUTPUTS_DIR: where the forms suggest new outputs. */
  outputsDir: string
  output(): string
  stop(): Promise<void>
}

/** A Hub cache in huggingface_hub's layout, holding a copy of the demo base as acme/tiny-llama. */
async function makeHfCache(dir: string): Promise<void> {
  const repo = join(dir, 'models--acme--tiny-llama')
  const sha = '0123456789abcdef0123456789abcdef01234567'
  await mkdir(join(repo, 'blobs'), { recursive: true })
  await mkdir(join(repo, 'snapshots', sha), { recursive: true })
  await mkdir(join(repo, 'refs'), { recursive: true })
  await cp(join(DEMO, 'base', 'config.json'), join(repo, 'blobs', 'config'))
  for (const f of await readdir(join(DEMO, 'base'))) {
    await cp(join(DEMO, 'base', f), join(repo, 'blobs', `blob-${f}`))
    await symlink(`../../blobs/blob-${f}`, join(repo, 'snapshots', sha, f))
  }
  const { writeFile } = await import('node:fs/promises')
  await writeFile(join(repo, 'refs', 'main'), sha)
}

/**
 * Starts web mode the way `npm start` does without Electron (node --import tsx
 * src/main/web/run-web.ts), on a free port, with temporary GRAFT_CONFIG_DIR and HF_HUB_CACHE
 * (and `env` on top, e.g. GRAFT_FOLDER_OPENER), and waits for the URL it prints.
 */
export async function startWebMode(env: NodeJS.ProcessEnv = {}): Promise<WebMode> {
  const base = await mkdtemp(join(tmpdir(), 'graft-e2e-'))
  const configDir = join(base, 'config')
  const hfCache = join(base, 'hub')
  const scratch = join(base, 'scratch')
  await mkdir(scratch, { recursive: true })
  await makeHfCache(hfCache)
  // Suggested outputs go to a scratch outputs folder, not the user's ~/Graft/outputs.
  const outputsDir = join(base, 'outputs')
  const { url, output, stop } = await spawnWebMode({ ...process.env, GRAFT_CONFIG_DIR: configDir, HF_HUB_CACHE: hfCache, GRAFT_OUTPUTS_DIR: outputsDir, ...env }, base)
  return { url, origin: new URL(url).origin, configDir, hfCache, scratch, outputsDir, output, stop }
}

/**
 * Spawns `node --import tsx src/main/web/run-web.ts --no-open` with `env` (no display, so no
 * browser opens), waits for the URL it prints (the token rides in its #fragment), and gives a
 * stop() that ends it and removes `base`. `args` replaces `--no-open` (e.g. `--port N`); with
 * `open`, DISPLAY stays as `env` sets it, so a stand-in xdg-open on env's PATH gets the launch URL.
 */
export async function spawnWebMode(env: NodeJS.ProcessEnv, base: string, opts: { args?: string[]; open?: boolean } = {}): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const args = [...(opts.args ?? []), ...(opts.open ? [] : ['--no-open'])]
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main', 'web', 'run-web.ts'), ...args], {
    cwd: ROOT,
    env: opts.open ? env : { ...env, DISPLAY: '', WAYLAND_DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode printed no URL within 30 s:\n${out}`)), 30_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /Graft is running at (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web mode exited with ${code}:\n${out}`))
    })
  })
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rm(base, { recursive: true, force: true })
    },
  }
}

/**
 * Starts web mode once for the calling spec file (beforeAll, after creating SHOTS) and stops it
 * afterwards (afterAll). The returned object reads through to the running instance.
 */
export function useWebMode(env: NodeJS.ProcessEnv = {}): WebMode {
  let running: WebMode | undefined
  test.beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    running = await startWebMode(env)
  })
  test.afterAll(async () => {
    await running?.stop()
  })
  const get = () => {
    if (!running) throw new Error('web mode is not running (useWebMode starts it in beforeAll)')
    return running
  }
  return {
    get url() {
      return get().url
    },
    get origin() {
      return get().origin
    },
    get outputsDir() {
      return get().outputsDir
    },
    get configDir() {
      return get().configDir
    },
    get hfCache() {
      return get().hfCache
    },
    get scratch() {
      return get().scratch
    },
    output: () => get().output(),
    stop: () => get().stop(),
  }
}

/** The sidebar button of a screen. */
export const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true })

/** The Library table's row for the entry named `name`. */
export const libraryRow = (page: Page, name: string) => page.locator('.library-table tbody tr').filter({ has: page.getByRole('button', { name, exact: true }) })
