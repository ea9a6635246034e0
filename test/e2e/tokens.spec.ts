import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, libraryRow, nav, SHOTS, useWebMode } from './web-mode'

const web = useWebMode()


test('add 2 tokens to the demo base with a live preview, run it, and the Library shows vocab 32,002; then resize with padding', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const outRoot = join(web.scratch, 'vocab-out')
  await mkdir(outRoot, { recursive: true })
  await page.goto(web.url)
  await nav(page, 'Tokens').click()
  await expect(page.getByRole('heading', { name: 'Tokens', level: 1 })).toBeVisible()
  // Every screen stays mounted (hidden), so look inside this one.
  const screen = page.getByRole('region', { name: 'Tokens', exact: true })
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  await expect(page.locator('#tokens-base-note')).toContainText('Tokenizer 32,000 tokens · embedding 32,000 rows')
  await screen.getByLabel('Tokens, one per line').fill('<graft_alpha>\n<graft_beta>')
  await screen.getByLabel('Sample text').fill('Say <graft_alpha> then <graft_beta> please')

  // The live preview: the sample split before and after, the new tokens marked with their ids.
  const after = page.locator('.tok-row').filter({ hasText: 'After' })
  await expect(after.locator('.cmp-tok-new')).toHaveText([/<graft_alpha>$/, /<graft_beta>$/])
  await expect(page.getByRole('list', { name: 'Tokens to add' })).toContainText('<graft_alpha> → id 32,000')
  await expect(page.getByRole('list', { name: 'Tokens to add' })).toContainText('<graft_beta> → id 32,001')
  const before = Number((await page.locator('.tok-row').filter({ hasText: 'Before' }).locator('.tok-row-head .subtle').textContent())!.split(' ')[0])
  const afterCount = Number((await after.locator('.tok-row-head .subtle').textContent())!.split(' ')[0])
  expect(afterCount).toBeLessThan(before)
  // Zeros init shows a warning; back to the default.
  await screen.getByLabel('New rows start as').first().selectOption('zeros')
  await expect(page.locator('#tokens-panel-add .field-warn')).toContainText('untrained')
  await screen.getByLabel('New rows start as').first().selectOption('trained-mean')
  const out = join(outRoot, 'demo-plus2')
  await page.locator('#tokens-out').fill(out)
  await page.screenshot({ path: join(SHOTS, 'tokens-preview.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'tokens-preview-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  await screen.locator('#tokens-panel-add').getByRole('button', { name: 'Review plan' }).click()
  const stage = page.locator('#tokens-panel-add .flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeFocused()
  await expect(stage.locator('.recipe-count.recipe-resize-rows')).toContainText('2')
  await expect(stage.locator('.notes-decision')).toContainText('32000 to 32002 rows')
  await page.screenshot({ path: join(SHOTS, 'tokens-plan.png'), fullPage: true })
  await stage.getByRole('button', { name: 'Add tokens' }).first().click()
  await expect(stage.locator('.verify.ok')).toContainText('Verified', { timeout: 30_000 })
  await expect(stage.locator('.verify')).toContainText('config 32,002 · embedding 32,002 rows · head 32,002 rows')
  await page.screenshot({ path: join(SHOTS, 'tokens-result.png'), fullPage: true })

  // The new rows sit inside the old distribution: Inspect output, scan, new rows highlighted.
  await stage.getByRole('button', { name: 'Inspect output' }).click()
  await expect(page.getByRole('heading', { name: 'Inspect', level: 1 })).toBeVisible()
  await page.getByRole('button', { name: 'Scan rows' }).click()
  const embedChart = page.locator('figure.chart').filter({ hasText: 'model.embed_tokens.weight' })
  await expect(embedChart.getByRole('list', { name: 'Legend' })).toContainText('New rows (ids ≥ 32,000): 2')
  await expect(embedChart.locator('rect.bar-new').first()).toBeVisible()
  await embedChart.screenshot({ path: join(SHOTS, 'inspect-new-rows-histogram.png') })

  // Resize the output: keep the size, pad to a multiple of 64 (32,002 → 32,064).
  await nav(page, 'Tokens').click()
  await screen.getByRole('tab', { name: 'Resize embeddings' }).click()
  await screen.getByLabel('Base model').fill(out)
  await screen.getByLabel('Keep the size, only pad').check()
  await screen.locator('#resize-pad').fill('64')
  await expect(page.locator('#tokens-panel-resize')).toContainText('Now 32,002 rows → 32,064 rows (+62)')
  await page.locator('#resize-out').fill(join(outRoot, 'demo-plus2-pad64'))
  await page.locator('#tokens-panel-resize').getByRole('button', { name: 'Review plan' }).click()
  const rstage = page.locator('#tokens-panel-resize .flow-stage')
  await expect(rstage.locator('.notes-decision')).toContainText('32064')
  await rstage.getByRole('button', { name: 'Resize' }).first().click()
  await expect(rstage.locator('.verify.ok')).toContainText('config 32,064', { timeout: 30_000 })
  await page.screenshot({ path: join(SHOTS, 'resize-result.png'), fullPage: true })

  // The Library, once the outputs' folder is added, shows the new vocabulary sizes.
  await nav(page, 'Library').click()
  await page.getByLabel('Add folder').fill(outRoot)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(libraryRow(page, 'vocab-out/demo-plus2').locator('td').nth(4)).toHaveText('32,002')
  await expect(libraryRow(page, 'vocab-out/demo-plus2-pad64').locator('td').nth(4)).toHaveText('32,064')
  await page.screenshot({ path: join(SHOTS, 'tokens-library.png'), fullPage: true })
  expect(errors).toEqual([])
})

test('add a special <pad> and make it the padding token: the plan shows the role decision', async ({ page }) => {
  await page.goto(web.url)
  await nav(page, 'Tokens').click()
  const screen = page.getByRole('region', { name: 'Tokens', exact: true })
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  await expect(page.locator('#tokens-base-note')).toContainText('Tokenizer 32,000 tokens')
  await screen.getByLabel('Tokens, one per line').fill('<pad>')
  await screen.getByRole('radio', { name: 'Special', exact: true }).check()
  await screen.getByLabel('Padding token').selectOption('<pad>')
  await page.locator('#tokens-out').fill(join(web.scratch, 'demo-pad'))
  await screen.locator('#tokens-panel-add').getByRole('button', { name: 'Review plan' }).click()
  const stage = page.locator('#tokens-panel-add .flow-stage')
  await expect(stage.locator('.notes-decision')).toContainText('pad_token: none → "<pad>" (id 32000, added here)')
})
