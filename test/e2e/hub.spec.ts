import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startFakeHub, type FakeFile, type FakeHub, type FakeRepo } from '../hub/fake-hub'
import { DEMO, ROOT, SHOTS, spawnWebMode } from './web-mode'

/**
 * The Hub screen end to end, in web mode: Graft runs with HF_ENDPOINT pointing at the fake Hub
 * (test/hub/fake-hub.ts, a random 127.0.0.1 port) and HF_HUB_CACHE in a temporary folder.
 * Search → model page → download with visible progress → the Library lists the download; the
 * offline switch makes search fail with OFFLINE while the fake Hub sees zero new requests; an
 * adapter's missing base model is found and downloaded after confirmation; a model is published.
 */
const TOKEN = 'hf_e2eTokenAlice0123456789'
const REPO = 'graft-demo/tiny-llama'
const FILLERS = 24

test.describe.configure({ mode: 'serial' })

let fake: FakeHub
let web: { url: string; base: string; hfCache: string; scratch: string; output: () => string; stop: () => Promise<void> }

/** Parameter count of a safetensors file, from its header (what the Hub's metadata reports). */
function parameterCount(buf: Buffer): { dtype: string; total: number } {
  const n = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>
  let total = 0
  let dtype = ''
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue
    total += v.shape.reduce((a, b) => a * b, 1)
    dtype = v.dtype
  }
  return { dtype, total }
}

async function demoRepoFromDisk(): Promise<FakeRepo> {
  const files: FakeFile[] = []
  for (const f of (await readdir(join(DEMO, 'base'))).sort()) files.push({ path: f, content: await readFile(join(DEMO, 'base', f)) })
  files.push({ path: 'README.md', content: Buffer.from('---\nlicense: apache-2.0\n---\n# tiny llama\nThe Graft demo model.\n') })
  files.push({ path: 'pytorch_model.bin', content: Buffer.from('PK\x03\x04 pickled weights') })
  const weights = files.find((f) => f.path === 'model.safetensors')!.content
  const { dtype, total } = parameterCount(weights)
  return {
    id: REPO,
    downloads: 9000,
    likes: 42,
    tags: ['safetensors', 'llama', 'text-generation', 'transformers'],
    library_name: 'transformers',
    pipeline_tag: 'text-generation',
    safetensors: { parameters: { [dtype]: total }, total },
    cardData: { license: 'apache-2.0' },
    files,
  }
}

/** Web mode as `npm start` runs it without Electron, pointed at the fake Hub. */
async function startWeb(hubUrl: string, extraEnv: Record<string, string> = {}): Promise<typeof web> {
  const base = await mkdtemp(join(tmpdir(), 'graft-e2e-hub-'))
  const hfCache = join(base, 'hub')
  const scratch = join(base, 'scratch')
  await mkdir(scratch, { recursive: true })
  const env: NodeJS.ProcessEnv = { ...process.env, GRAFT_CONFIG_DIR: join(base, 'config'), HF_HUB_CACHE: hfCache, HF_HOME: join(base, 'hf-home'), HF_ENDPOINT: hubUrl, DISPLAY: '', WAYLAND_DISPLAY: '' }
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HUB_OFFLINE', 'HUGGINGFACE_HUB_CACHE']) delete env[k]
  Object.assign(env, extraEnv)
  const { url, output, stop } = await spawnWebMode(env, base)
  return { url, base, hfCache, scratch, output, stop }
}

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  const fillers: FakeRepo[] = Array.from({ length: FILLERS }, (_, i) => ({
    id: `graft-demo/tiny-filler-${String(i).padStart(2, '0')}`,
    downloads: 100 + i,
    likes: i,
    tags: ['safetensors', 'llama'],
    library_name: 'transformers',
    files: [{ path: 'config.json', content: Buffer.from('{"model_type":"llama"}') }],
  }))
  fake = await startFakeHub({
    tokens: { [TOKEN]: 'alice' },
    repos: [
      await demoRepoFromDisk(),
      {
        id: 'graft-demo/tiny-lora',
        downloads: 500,
        tags: ['peft', 'safetensors', 'lora'],
        library_name: 'peft',
        files: [
          { path: 'adapter_config.json', content: await readFile(join(DEMO, 'adapter', 'adapter_config.json')) },
          { path: 'adapter_model.safetensors', content: await readFile(join(DEMO, 'adapter', 'adapter_model.safetensors')) },
        ],
      },
      { ...(await demoRepoFromDisk()), id: 'graft-demo/other-base', downloads: 3 },
      ...fillers,
    ],
  })
  // ~4 MB of weights in 64 KB steps every 100 ms: about six seconds of visible progress.
  fake.throttle('model.safetensors', 64 * 1024, 100)
  web = await startWeb(fake.url)
})

test.afterAll(async () => {
  await web?.stop()
  await fake?.close()
})

const openHub = async (page: Page) => {
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Hub' }).click()
  await expect(page.getByRole('heading', { name: 'Hub', level: 1 })).toBeVisible()
}

const libraryRow = (page: Page, name: string) => page.locator('.library-table tbody tr').filter({ has: page.getByRole('button', { name, exact: true }) })

test('search the fake Hub, open a model, download it with progress; the Library lists it', async ({ page }) => {
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  await openHub(page)

  await test.step('sign in with a token (kept in memory in web mode)', async () => {
    const account = page.locator('section.hub-account')
    await expect(account).toContainText('Not signed in')
    await expect(account).toContainText('memory for this session only')
    await expect(account).toContainText(fake.url)
    // A token the Hub refuses: a readable PERMISSION_DENIED, nothing stored, the token not echoed.
    await page.getByLabel('Access token').fill('hf_notAliceToken0123456789')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(account.getByRole('alert')).toContainText('permission denied')
    await expect(account.getByRole('alert')).toContainText('sign in again')
    await expect(account).not.toContainText('hf_notAliceToken0123456789')
    await expect(account.locator('.hub-who')).toContainText('Not signed in')
    await page.getByLabel('Access token').fill(TOKEN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(account.locator('.hub-who')).toContainText('Signed in as alice')
    await expect(page.getByLabel('Access token')).toHaveValue('')
    expect(await page.content()).not.toContain(TOKEN)
    expect(web.output()).not.toContain(TOKEN)
  })

  await test.step('search with a library filter, sorted by downloads, and load more', async () => {
    await page.getByRole('searchbox', { name: 'Name' }).fill('tiny')
    await page.getByRole('combobox', { name: 'Library' }).selectOption('safetensors')
    await page.getByRole('combobox', { name: 'Sort' }).selectOption('downloads')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const rows = page.locator('.hub-results tbody tr')
    await expect(rows).toHaveCount(20)
    await expect(rows.first()).toContainText(REPO)
    await expect(rows.nth(1)).toContainText('graft-demo/tiny-lora')
    await page.getByRole('button', { name: 'Load more' }).click()
    await expect(rows).toHaveCount(FILLERS + 2)
    await expect(page.getByText('end of results')).toBeVisible()
    await page.screenshot({ path: join(SHOTS, 'hub-search.png'), fullPage: true })
  })

  await test.step('the model page: parameters, pickles marked and unselected, default selection', async () => {
    await page.getByRole('button', { name: REPO, exact: true }).click()
    const model = page.locator('section.hub-model')
    await expect(model.getByRole('heading', { name: REPO })).toBeFocused()
    await expect(model.locator('.fact').filter({ hasText: 'Parameters' })).toContainText('2.07M · BF16')
    await expect(model.locator('.fact').filter({ hasText: 'Size' })).toContainText('safetensors 4.14 MB')
    const pickle = model.locator('.hub-files tbody tr').filter({ hasText: 'pytorch_model.bin' })
    await expect(pickle.locator('.hub-badge-pickle')).toHaveText('pickle')
    await expect(pickle.getByRole('checkbox')).not.toBeChecked()
    await expect(model.getByRole('checkbox', { name: 'model.safetensors' })).toBeChecked()
    await expect(model.getByRole('checkbox', { name: 'README.md' })).toBeChecked()
    await expect(model.getByRole('checkbox', { name: 'tokenizer.json' })).toBeChecked()
    await expect(model.locator('.hub-download-bar')).toContainText('6 of 7 files selected')
    await page.screenshot({ path: join(SHOTS, 'hub-model.png'), fullPage: true })
    // Back to the results and in again, by keyboard: the opened result gets the focus back.
    await model.getByRole('button', { name: '← Back to results' }).click()
    await expect(page.getByRole('button', { name: REPO, exact: true })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(model.getByRole('heading', { name: REPO })).toBeFocused()
  })

  await test.step('download: a live progress bar with the per-file list, then done', async () => {
    const model = page.locator('section.hub-model')
    await model.getByRole('button', { name: 'Download', exact: true }).click()
    const job = model.locator('.hub-job')
    await expect(job.locator('.state')).toHaveText('Running')
    await expect(job.locator('.hub-job-files')).toContainText('model.safetensors')
    // Mid-download: some bytes in, the weights file moving, an ETA shown.
    await expect
      .poll(async () => (await job.locator('.hub-file-downloading').count()) === 1 && Number(await job.getByRole('progressbar').getAttribute('aria-valuenow')) > 0, { timeout: 20_000 })
      .toBe(true)
    await expect(job.locator('.job-stats')).toContainText('ETA')
    await page.screenshot({ path: join(SHOTS, 'hub-downloading.png'), fullPage: true })
    await expect(job.locator('.state')).toHaveText('Done', { timeout: 30_000 })
    await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100')
    await expect(job.locator('.hub-result')).toContainText(join(web.hfCache, 'models--graft-demo--tiny-llama', 'snapshots'))
    await page.screenshot({ path: join(SHOTS, 'hub-downloaded.png'), fullPage: true })
    // Later downloads need not be watched.
    fake.throttle('model.safetensors', 1 << 30, 0)
  })

  await test.step('the Hugging Face cache holds it in Python\'s layout, without the pickle', async () => {
    const repoDir = join(web.hfCache, 'models--graft-demo--tiny-llama')
    const sha = (await readFile(join(repoDir, 'refs', 'main'), 'utf8')).trim()
    expect(sha).toMatch(/^[0-9a-f]{40}$/)
    expect((await readdir(join(repoDir, 'snapshots', sha))).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
  })

  await test.step('the Library lists the download as an HF cache model', async () => {
    await page.locator('section.hub-model .hub-result').getByRole('button', { name: 'Show in Library' }).click()
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible()
    const row = libraryRow(page, REPO)
    await expect(row).toBeVisible()
    await expect(row.locator('.origin')).toHaveText('HF cache')
    await expect(row.locator('td').nth(0)).toHaveText('model')
    await expect(row.locator('td').nth(4)).toHaveText('32,000')
    await page.screenshot({ path: join(SHOTS, 'hub-library.png'), fullPage: true })
  })
  expect(errors).toEqual([])
})

test('offline switch: search fails with OFFLINE and the fake Hub sees zero new requests', async ({ page }) => {
  await openHub(page)
  const account = page.locator('section.hub-account')
  await expect(account.locator('.hub-who')).toContainText('Signed in as alice')
  const offline = page.getByRole('switch', { name: 'Offline mode' })
  await expect(offline).not.toBeChecked()
  await offline.check()
  await expect(offline).toBeChecked()
  await expect(account).toContainText('Graft makes no network request')

  const before = fake.count()
  await page.getByRole('searchbox', { name: 'Name' }).fill('tiny')
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  const alert = page.locator('section.hub-search').getByRole('alert')
  await expect(alert).toContainText('offline')
  await expect(alert.locator('.error-code')).toHaveText('offline')
  await expect(alert).toContainText('did not contact 127.0.0.1')
  // The sidebar's Offline label follows the switch.
  await expect(page.locator('.sidebar-foot')).toContainText('Offline')
  // The Jobs count and status checks ran too: still nothing reached the Hub.
  await page.getByRole('button', { name: 'Check again' }).click()
  await expect(account.locator('.hub-reach')).toContainText('Offline: Graft did not contact the Hub · checked at')
  await expect(account.locator('.hub-who')).toContainText('Signed in as alice')
  expect(fake.count()).toBe(before)
  await page.screenshot({ path: join(SHOTS, 'hub-offline.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'hub-offline-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  // Settings persist: a reload still shows offline; "Go online" in the error turns it off.
  await page.reload()
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Hub' }).click()
  await expect(page.getByRole('switch', { name: 'Offline mode' })).toBeChecked()
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await page.locator('section.hub-search').getByRole('button', { name: 'Go online' }).click()
  await expect(page.getByRole('switch', { name: 'Offline mode' })).not.toBeChecked()
  await expect(page.locator('.sidebar-foot')).not.toContainText('Offline')
  expect(fake.count()).toBe(before)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.locator('.hub-results tbody tr').first()).toContainText(REPO)
  expect(fake.count()).toBeGreaterThan(before)
  // "Check again" online: a visible answer with the time.
  await page.getByRole('button', { name: 'Check again' }).click()
  await expect(account.locator('.hub-reach')).toContainText('The Hub answered · checked at')
})

test('a stalled network: Cancel stops a search, Offline aborts one, the timeout says so plainly, and stale errors clear', async ({ page }) => {
  // A Hub address that accepts connections and never answers (a firewall or captive portal).
  const sockets = new Set<Socket>()
  const hole = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r))
  const holeUrl = `http://127.0.0.1:${(hole.address() as AddressInfo).port}`
  const stalled = await startWeb(holeUrl, { GRAFT_HUB_TIMEOUT_MS: '4000' })
  try {
    await page.goto(stalled.url)
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Hub' }).click()
    const search = page.locator('section.hub-search')
    const account = page.locator('section.hub-account')
    await page.getByRole('searchbox', { name: 'Name' }).fill('llama')

    await test.step('Cancel stops the search at once', async () => {
      await search.getByRole('button', { name: 'Search', exact: true }).click()
      await expect(search.getByRole('button', { name: 'Searching…' })).toBeVisible()
      await search.getByRole('button', { name: 'Cancel' }).click()
      await expect(search.getByRole('status')).toHaveText('Search cancelled.', { timeout: 1500 })
      await expect(search.getByRole('button', { name: 'Search', exact: true })).toBeEnabled()
    })

    await test.step('turning Offline on aborts the search in flight', async () => {
      await search.getByRole('button', { name: 'Search', exact: true }).click()
      await expect(search.getByRole('button', { name: 'Cancel' })).toBeVisible()
      await page.getByRole('switch', { name: 'Offline mode' }).check()
      await expect(search.getByRole('button', { name: 'Search', exact: true })).toBeEnabled({ timeout: 1500 })
      await expect(search).not.toContainText('did not answer')
      await expect(page.locator('.sidebar-foot')).toContainText('Offline')
      await page.getByRole('switch', { name: 'Offline mode' }).uncheck()
      await expect(page.locator('.sidebar-foot')).not.toContainText('Offline')
    })

    await test.step('with no answer, the search ends after the timeout with a plain message', async () => {
      await search.getByRole('button', { name: 'Search', exact: true }).click()
      const alert = search.getByRole('alert')
      await expect(alert).toContainText('The Hub did not answer in 4 s', { timeout: 10_000 })
      await expect(alert).toContainText('offline mode')
      await page.getByRole('button', { name: 'Check again' }).click()
      await expect(account.locator('.hub-reach')).toContainText('The Hub is not reachable: The Hub did not answer in 4 s', { timeout: 10_000 })
      await expect(account.locator('.hub-reach')).toContainText('checked at')
      await page.screenshot({ path: join(SHOTS, 'hub-stalled-timeout.png'), fullPage: true })
      // Following the advice (switching offline) clears the advice.
      await page.getByRole('switch', { name: 'Offline mode' }).check()
      await expect(search.getByRole('alert')).toHaveCount(0)
      await expect(account.locator('.hub-reach')).toHaveCount(0)
      await expect(search).not.toContainText('No models match')
      await page.screenshot({ path: join(SHOTS, 'hub-stalled-offline.png'), fullPage: true })
    })
  } finally {
    await stalled.stop()
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => hole.close(() => r()))
  }
})

test('an adapter\'s missing base model: find it, confirm the download, remembered; the demo adapter\'s base is found in the cache', async ({ page }) => {
  const adapter = join(web.scratch, 'adapters', 'my-lora')
  await mkdir(adapter, { recursive: true })
  await cp(join(DEMO, 'adapter'), adapter, { recursive: true })
  const cfg = JSON.parse(await readFile(join(adapter, 'adapter_config.json'), 'utf8'))
  await writeFile(join(adapter, 'adapter_config.json'), JSON.stringify({ ...cfg, base_model_name_or_path: 'graft-demo/other-base' }, null, 2))
  await page.goto(web.url)
  await page.getByLabel('Add folder').fill(join(web.scratch, 'adapters'))
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await libraryRow(page, 'adapters/my-lora').getByRole('button', { name: 'adapters/my-lora', exact: true }).click()

  const base = page.locator('section.details section.hub-base')
  await expect(base).toContainText('graft-demo/other-base')
  await expect(base.locator('.hub-base-missing')).toContainText('not on this machine')
  await base.getByRole('button', { name: 'Find base model' }).click()
  await expect(base.locator('.hub-candidates')).toContainText('Download graft-demo/other-base from the Hub')
  await base.getByRole('button', { name: 'Download…' }).click()
  const confirm = base.getByRole('group', { name: 'Confirm the download' })
  await expect(confirm).toContainText(fake.url)
  await expect(confirm.getByLabel('Repo')).toBeFocused()
  await page.screenshot({ path: join(SHOTS, 'hub-find-base.png'), fullPage: true })
  await confirm.getByRole('button', { name: 'Download' }).click()
  await expect(base.locator('.hub-base-found')).toContainText('Hugging Face cache: graft-demo/other-base', { timeout: 30_000 })
  await expect(base.locator('.hub-base-found')).toContainText('remembered')
  const saved = JSON.parse(await readFile(join(web.base, 'config', 'base-models.json'), 'utf8'))
  expect(saved.choices['graft-demo/other-base']).toMatchObject({ kind: 'cache', repo: 'graft-demo/other-base' })

  // The demo adapter names graft-demo/tiny-llama, downloaded by the first test.
  await page.locator('section.details').getByRole('button', { name: 'Close details' }).click()
  await libraryRow(page, 'demo/adapter').getByRole('button', { name: 'demo/adapter', exact: true }).click()
  await expect(page.locator('section.details section.hub-base .hub-base-found')).toContainText(`Hugging Face cache: ${REPO}`)
  await page.screenshot({ path: join(SHOTS, 'hub-base-found.png'), fullPage: true })
})

test('publish a model from the Library to the Hub (created, private) as a job', async ({ page }) => {
  await page.goto(web.url)
  await libraryRow(page, 'demo/base').getByRole('button', { name: 'demo/base', exact: true }).click()
  const publish = page.locator('section.details section.hub-publish')
  await publish.getByRole('button', { name: 'Publish to Hub…' }).click()
  const repo = publish.getByLabel('Repo (owner/name)')
  await expect(repo).toHaveAttribute('placeholder', 'alice/base')
  await repo.fill('alice/graft-demo-published')
  await expect(publish.getByLabel('Private')).toBeChecked()
  await publish.getByRole('button', { name: 'Publish', exact: true }).click()
  await expect(publish.locator('.hub-job .state')).toHaveText('Done', { timeout: 30_000 })
  await expect(publish.locator('.hub-result')).toContainText(`${fake.url}/alice/graft-demo-published/commit/`)
  await page.screenshot({ path: join(SHOTS, 'hub-publish.png'), fullPage: true })
  expect(fake.repo('alice/graft-demo-published')?.private).toBe(true)
  expect(fake.commitsMade.at(-1)?.files.sort()).toEqual(['.gitattributes', 'README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])

  // The Jobs screen lists the Hub jobs with their results.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /Jobs/ }).click()
  const upload = page.locator('article.job').filter({ hasText: 'Publish' })
  await expect(upload.locator('.hub-result')).toContainText('alice/graft-demo-published')
  const download = page.locator('article.job').filter({ hasText: `Download ${REPO}@main from the Hub` })
  await expect(download.locator('.job-stats')).toContainText('6 / 6 files')
  await expect(download.locator('.hub-result')).toContainText('models--graft-demo--tiny-llama')
  await page.screenshot({ path: join(SHOTS, 'hub-jobs.png'), fullPage: true })
})

test('HF_HUB_OFFLINE=1 forces offline mode: the switch is locked, the UI says why, and nothing reaches the Hub', async ({ page }) => {
  const forced = await startWeb(fake.url, { HF_HUB_OFFLINE: '1', HF_TOKEN: TOKEN })
  try {
    const before = fake.count()
    await page.goto(forced.url)
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Hub' }).click()
    const account = page.locator('section.hub-account')
    const offline = page.getByRole('switch', { name: 'Offline mode' })
    await expect(offline).toBeChecked()
    await expect(offline).toBeDisabled()
    await expect(account).toContainText('HF_HUB_OFFLINE is set in the environment')
    // The token from HF_TOKEN is not checked while offline.
    await expect(account.locator('.hub-who')).toContainText('A token is set (HF_TOKEN); Graft checks it when it is online again.')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const alert = page.locator('section.hub-search').getByRole('alert')
    await expect(alert).toContainText('HF_HUB_OFFLINE is set')
    // No "Go online" here: the switch cannot override the environment.
    await expect(page.locator('section.hub-search').getByRole('button', { name: 'Go online' })).toHaveCount(0)
    await page.screenshot({ path: join(SHOTS, 'hub-offline-forced.png'), fullPage: true })
    expect(fake.count()).toBe(before)
    expect(forced.output()).not.toContain(TOKEN)
  } finally {
    await forced.stop()
  }
})
