import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { DEMO, SHOTS, libraryRow, nav, useWebMode } from './web-mode'

const web = useWebMode()

/** A copy of the demo adapter whose adapter_config.json names `base` as base_model_name_or_path. */
async function adapterNaming(base: string, name: string): Promise<string> {
  const dir = join(web.scratch, name)
  await cp(join(DEMO, 'adapter'), dir, { recursive: true })
  const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'))
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, base_model_name_or_path: base }))
  return dir
}

const shoot = async (page: Page, name: string) => {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, `${name}-dark.png`), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })
}

test('Merge offers the base the adapter names, checks Base on the field, and offers Library models', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const adapter = await adapterNaming('acme/tiny-llama', 'acme-adapter')
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  const baseField = screen.locator('.field').filter({ has: page.locator('#merge-base') })

  // Library models are offered as one-click chips under Base.
  await expect(screen.getByRole('button', { name: '+ demo/base' })).toBeVisible()

  // The adapter names acme/tiny-llama, which is in the HF cache: offered first, one click fills Base.
  await screen.getByLabel('Adapter 1', { exact: true }).fill(adapter)
  const named = screen.locator('.base-named')
  await expect(named).toContainText('The adapter names acme/tiny-llama — found in your Hugging Face cache.')
  await shoot(page, 'ux-merge-base-suggested')
  await named.getByRole('button', { name: 'Use it as the base' }).click()
  await expect(screen.getByLabel('Base model')).toHaveValue(join(web.hfCache, 'models--acme--tiny-llama', 'snapshots', '0123456789abcdef0123456789abcdef01234567'))
  // The inline summary of a valid base.
  await expect(baseField.locator('.field-hint')).toContainText('✓ LlamaForCausalLM')
  await expect(baseField.locator('.field-hint')).toContainText('vocab 32,000')
  await expect(baseField.locator('.field-hint')).toContainText('the base acme/tiny-llama the adapter names')
  await expect(named).toHaveCount(0)
  await shoot(page, 'ux-merge-base-ok')

  // A folder that does not exist: said on the field, as you type, before Review plan.
  await screen.getByLabel('Base model').fill('/tmp/nope/base')
  await expect(baseField.locator('.field-error')).toContainText('/tmp/nope/base does not exist')
  await expect(screen.getByLabel('Base model')).toHaveAttribute('aria-invalid', 'true')
  // The adapter folder in Base: named as an adapter, with what to do.
  await screen.getByLabel('Base model').fill(adapter)
  await expect(baseField.locator('.field-error')).toContainText('is a PEFT adapter (adapter_config.json), not a base model')
  await expect(baseField.locator('.field-error')).toContainText('Put it under Adapters')
  await shoot(page, 'ux-merge-base-adapter-error')
  // Review plan refuses it with the same words, not "no config.json", and not under a "bad request" label.
  await screen.getByLabel('Output folder').fill(join(web.scratch, 'never'))
  await screen.getByRole('button', { name: 'Review plan' }).click()
  const note = screen.locator('.error-note')
  await expect(note).toContainText('is a PEFT adapter')
  await expect(note.locator('.error-code')).toHaveText('Check this')
  // The error goes as soon as the form changes (no stale message).
  await screen.getByRole('button', { name: '+ demo/base' }).click()
  await expect(note).toHaveCount(0)
  await expect(baseField.locator('.field-hint')).toContainText('✓ LlamaForCausalLM')

  // The demo adapter names graft-demo/tiny-llama, which is not on this machine: said so, nothing filled.
  await screen.getByLabel('Base model').fill('')
  await screen.getByLabel('Adapter 1', { exact: true }).fill(join(DEMO, 'adapter'))
  await expect(named).toContainText('The adapter names graft-demo/tiny-llama — not on this machine.')
  await expect(named).toContainText('Download it on the Hub screen')
  await expect(screen.getByLabel('Base model')).toHaveValue('')
  await page.setViewportSize({ width: 1024, height: 700 })
  await shoot(page, 'ux-merge-base-1024')
  expect(errors).toEqual([])
})

test('the Library lists a new merge without Refresh, filters, sorts, and keeps row actions in view at 1024 px', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)
  await expect(libraryRow(page, 'demo/base')).toBeVisible()
  await page.getByRole('button', { name: 'Add', exact: true }).waitFor()
  await page.getByLabel('Add folder').fill(web.scratch)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(page.locator('.notice')).toContainText('Added')

  // Merge from the Library's row action: Merge opens with the adapter; Enter in a field reviews the plan.
  await libraryRow(page, 'demo/adapter').getByRole('button', { name: 'Merge…' }).click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await expect(screen.getByLabel('Adapter 1', { exact: true })).toHaveValue(join(DEMO, 'adapter'))
  await screen.getByRole('button', { name: '+ demo/base' }).click()
  const out = join(web.scratch, 'fresh-merged')
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByLabel('Output folder').press('Enter')
  const stage = screen.locator('.flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeVisible()
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage.locator('.verify')).toContainText('Verified', { timeout: 30_000 })

  // Back in the Library, the output is listed without pressing Refresh.
  await nav(page, 'Library').click()
  await expect(page.locator('.library-table')).toContainText('fresh-merged', { timeout: 15_000 })

  // Filter and sort.
  const filter = page.getByLabel('Filter the Library')
  await filter.fill('adapter')
  await expect(libraryRow(page, 'demo/base')).toHaveCount(0)
  await expect(libraryRow(page, 'demo/adapter')).toBeVisible()
  for (const kind of await page.locator('.library-table tbody tr .kind').allTextContents()) expect(kind).toBe('adapter')
  await expect(page.locator('.library-tools')).toContainText(/\d+ of \d+ shown/)
  await filter.fill('no such thing')
  await expect(page.getByText('Nothing in the Library matches')).toBeVisible()
  await filter.fill('')
  await page.getByLabel('Sort by').selectOption('size')
  const sizes = await page.locator('.library-table tbody tr:not(.error-row) td.num:has-text("B")').allTextContents()
  expect(sizes.length).toBeGreaterThan(2)

  // Sizes agree: the table's "On disk" is the details' "Size on disk"; the shard line says it counts tensors only.
  await libraryRow(page, 'demo/base').getByRole('button', { name: 'demo/base', exact: true }).click()
  const onDisk = await libraryRow(page, 'demo/base').locator('td.num').last().textContent()
  await expect(page.locator('.details .fact').filter({ hasText: 'Size on disk' })).toContainText(onDisk!.trim())
  await expect(page.locator('.details .fact').filter({ hasText: 'Shards' })).toContainText('of tensors')
  await shoot(page, 'ux-library-1440')
  expect(await page.locator('.table-wrap').filter({ has: page.locator('.library-table') }).evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0)

  // At 1024×700 the row actions are on screen without scrolling sideways.
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.locator('.details').getByRole('button', { name: 'Close details' }).click()
  const inspectBtn = libraryRow(page, 'demo/base').getByRole('button', { name: 'Inspect' })
  await inspectBtn.scrollIntoViewIfNeeded()
  const box = (await inspectBtn.boundingBox())!
  const wrap = (await page.locator('.table-wrap').filter({ has: page.locator('.library-table') }).boundingBox())!
  expect(box.x + box.width).toBeLessThanOrEqual(wrap.x + wrap.width)
  // No sideways scrolling at all: every column, the sizes included, is in view.
  const overflow = await page.locator('.table-wrap').filter({ has: page.locator('.library-table') }).evaluate((el) => el.scrollWidth - el.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  const size = (await libraryRow(page, 'demo/base').locator('td.num').last().boundingBox())!
  expect(size.x + size.width).toBeLessThanOrEqual(box.x)
  await page.screenshot({ path: join(SHOTS, 'ux-library-1024.png') })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'ux-library-1024-dark.png') })
  expect(errors).toEqual([])
})

test('the HF cache: a header line with its folder, and an interrupted download named as such with Download again', async ({ page }) => {
  const repo = join(web.hfCache, 'models--acme--half-done')
  const sha = 'fedcba9876543210fedcba9876543210fedcba98'
  await mkdir(join(repo, 'blobs'), { recursive: true })
  await mkdir(join(repo, 'snapshots', sha), { recursive: true })
  await mkdir(join(repo, 'refs'), { recursive: true })
  await writeFile(join(repo, 'refs', 'main'), sha)
  await cp(join(DEMO, 'base', 'config.json'), join(repo, 'blobs', 'cfg'))
  await symlink('../../blobs/cfg', join(repo, 'snapshots', sha, 'config.json'))
  await symlink('../../blobs/weights', join(repo, 'snapshots', sha, 'model.safetensors'))
  await writeFile(join(repo, 'blobs', 'weights.incomplete'), 'partial')

  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)
  await expect(page.locator('.library-cache')).toContainText(`HF cache · ${web.hfCache} · 2 repos ·`)
  const row = page.locator('.library-table tr.error-row').filter({ hasText: 'acme/half-done' })
  await expect(row.locator('.kind')).toHaveText('incomplete download')
  await expect(row).toContainText('The download of acme/half-done did not finish: model.safetensors is missing or cut short (1 partial file in the cache).')
  await expect(row).toContainText('Download acme/half-done again')
  await expect(row).not.toContainText('Check the path')
  await expect(row.getByRole('button', { name: 'Download again' })).toBeVisible()
  await expect(page.locator('.screen-head .subtle').first()).toContainText('1 incomplete download')
  await shoot(page, 'ux-library-hf-cache')
})
