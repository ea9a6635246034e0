import { mkdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { SHOTS, useWebMode } from './web-mode'

const web = useWebMode()

/** The Library table row whose name button is exactly `name`. */
const row = (page: Page, name: string) => page.locator('.library-table tbody tr').filter({ has: page.getByRole('button', { name, exact: true }) })

test('a page opened without its link cannot reach the API and says which link to open', async ({ page }) => {
  await page.goto(web.origin + '/')
  await expect(page.getByRole('heading', { name: 'Open Graft with its link' })).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('printed in the terminal')
})

test('Library lists the demo model (vocab 32000) and adapter (embed rows 32003)', async ({ page }) => {
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(web.url)
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible()

  const base = row(page, 'demo/base')
  await expect(base).toBeVisible()
  const cells = base.locator('td')
  // Columns after the name: kind, architecture, params, dtype, vocab, embed rows, tied, shards, size.
  await expect(cells.nth(0)).toHaveText('model')
  await expect(cells.nth(1)).toHaveText('LlamaForCausalLM')
  await expect(cells.nth(3)).toHaveText('BF16')
  await expect(cells.nth(4)).toHaveText('32,000')
  await expect(cells.nth(5)).toHaveText('32,000')
  await expect(cells.nth(6)).toHaveText('no')
  await expect(cells.nth(7)).toHaveText('1')

  const adapter = row(page, 'demo/adapter')
  await expect(adapter.locator('td').nth(0)).toHaveText('adapter')
  await expect(adapter.locator('td').nth(1)).toHaveText('LoRA · r 8')
  await expect(adapter.locator('td').nth(5)).toHaveText('32,003')

  // Demo first, then the Hugging Face cache entry from the temporary HF_HUB_CACHE.
  const names = await page.locator('.library-table tbody .entry-name').allTextContents()
  expect(names).toEqual(['demo/adapter', 'demo/base', 'acme/tiny-llama'])
  await expect(row(page, 'acme/tiny-llama').locator('.origin')).toHaveText('HF cache')

  await page.screenshot({ path: join(SHOTS, 'library.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'library-dark.png'), fullPage: true })
  expect(errors).toEqual([])
})

test('details pane: config summary and a filterable tensor table, by keyboard', async ({ page }) => {
  await page.goto(web.url)
  const name = page.getByRole('button', { name: 'demo/base', exact: true })
  await name.focus()
  await page.keyboard.press('Enter')
  const details = page.locator('section.details')
  await expect(details.getByRole('heading', { name: 'demo/base' })).toBeFocused()
  await expect(details.locator('.fact').filter({ hasText: 'Architecture' })).toContainText('LlamaForCausalLM')
  await expect(details.locator('.fact').filter({ hasText: 'vocab_size' })).toContainText('32,000')
  const filter = details.getByRole('searchbox', { name: 'Filter tensors' })
  await filter.fill('embed_tokens')
  const rows = details.locator('.tensor-table tbody tr')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('model.embed_tokens.weight')
  await expect(rows.first()).toContainText('[32000,')
  await filter.fill('')
  await expect(details.getByText(/^1–\d+ of \d+$/)).toBeVisible()
  await page.screenshot({ path: join(SHOTS, 'details.png'), fullPage: true })
})

test('adding a folder: a bad folder shows a readable reason and can be removed', async ({ page }) => {
  await page.goto(web.url)
  await expect(row(page, 'demo/base')).toBeVisible()
  const input = page.getByLabel('Add folder')
  await input.fill('relative/path')
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(page.getByRole('alert')).toContainText('absolute path')

  const empty = join(web.scratch, 'empty-folder')
  await mkdir(empty, { recursive: true })
  await input.fill(empty)
  await input.press('Enter')
  const bad = page.locator('.library-table tr.error-row').filter({ hasText: 'empty-folder' })
  await expect(bad).toContainText('holds no model, adapter or tokenizer')
  // It reads fine and simply holds no model: labelled so, not "unreadable".
  await expect(bad.locator('.kind')).toHaveText('no model')
  await page.screenshot({ path: join(SHOTS, 'library-bad-folder.png'), fullPage: true })
  await bad.getByRole('button', { name: 'Remove' }).click()
  await expect(bad).toHaveCount(0)
  await expect(page.getByRole('status')).toContainText('nothing was deleted from disk')
})

test('a hash job runs in the pool, shows progress and finishes', async ({ page }) => {
  await page.goto(web.url)
  await row(page, 'demo/base').getByRole('button', { name: 'Hash files' }).click()
  await page.getByRole('button', { name: 'Open Jobs' }).click()
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible()
  const job = page.locator('article.job').first()
  await expect(job.locator('.state')).toHaveText('Done', { timeout: 30_000 })
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100')
  await expect(job.locator('.job-stats')).toContainText(/(\d+) \/ \1 files/)
  await expect(job.locator('.hash-table')).toContainText('model.safetensors')
  await expect(job.locator('.hash-table .hash').first()).toHaveText(/^[0-9a-f]{64}$/)
  await page.screenshot({ path: join(SHOTS, 'jobs.png'), fullPage: true })
})

test('a long job shows live progress and can be cancelled', async ({ page }) => {
  // A tokenizer folder with a 16 GB sparse file: hashing it takes long enough to watch and cancel.
  const dir = join(web.scratch, 'big-tokenizer')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: { a: 0, b: 1 } }, added_tokens: [] }))
  await writeFile(join(dir, 'big.bin'), '')
  await truncate(join(dir, 'big.bin'), 16 * 1024 ** 3)
  await page.goto(web.url)
  await page.getByLabel('Add folder').fill(dir)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  const entry = row(page, 'big-tokenizer')
  await expect(entry.locator('td').nth(0)).toHaveText('tokenizer')
  await entry.getByRole('button', { name: 'Hash files' }).click()
  await expect(entry.getByRole('button', { name: 'Hashing…' })).toBeDisabled()
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /Jobs/ }).click()
  const job = page.locator('article.job').filter({ hasText: 'big-tokenizer' })
  await expect(job.locator('.state')).toHaveText('Running')
  await expect(job.locator('.job-stats')).toContainText('ETA')
  await expect.poll(async () => Number(await job.getByRole('progressbar').getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0)
  await page.screenshot({ path: join(SHOTS, 'jobs-running.png'), fullPage: true })
  await job.getByRole('button', { name: 'Cancel' }).click()
  await expect(job.locator('.state')).toHaveText('Cancelled')
  await expect(job.getByRole('button', { name: 'Cancel' })).toHaveCount(0)
})
