import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { DEMO, libraryRow, SHOTS, useWebMode } from './web-mode'

const web = useWebMode()

const truthCell = (page: Page, label: string) => page.locator('.truth-cell').filter({ has: page.getByText(label, { exact: true }) }).locator('dd').first()

test('Inspect the demo base: truth table, then Scan rows shows the 6 untrained rows and the histograms', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto(web.url)
  await libraryRow(page, 'demo/base').getByRole('button', { name: 'Inspect', exact: true }).click()
  await expect(page.getByRole('heading', { name: 'Inspect', level: 1 })).toBeVisible()
  await expect(page.getByRole('heading', { name: /demo\/base/, level: 2 })).toBeFocused()

  // The truth table: every size agrees; nothing scanned yet.
  await expect(truthCell(page, 'Tokenizer length')).toHaveText('32,000')
  await expect(truthCell(page, 'config vocab_size')).toHaveText('32,000')
  await expect(truthCell(page, 'Embedding rows')).toHaveText('32,000')
  await expect(truthCell(page, 'Head rows')).toHaveText('32,000')
  await expect(truthCell(page, 'Untrained rows')).toHaveText('not scanned')
  const checks = page.getByRole('list', { name: 'Checks' })
  await expect(checks.locator('.check.sev-ok')).toContainText('Tokenizer, config and tensors agree')

  await page.getByRole('button', { name: 'Scan rows' }).click()
  const rows = page.locator('.untrained-table tbody tr')
  await expect(rows).toHaveCount(6)
  expect(await rows.locator('td:nth-child(1)').allTextContents()).toEqual(['3', '4', '5', '6', '7', '8'])
  expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['<0x00>', '<0x01>', '<0x02>', '<0x03>', '<0x04>', '<0x05>'])
  // Two histograms (embedding and lm_head) with axes and a legend; the embedding's marks 6 untrained rows.
  const charts = page.locator('figure.chart')
  await expect(charts).toHaveCount(2)
  const embed = charts.filter({ hasText: 'model.embed_tokens.weight' })
  await expect(embed.getByRole('img')).toBeVisible()
  await expect(embed.locator('svg')).toContainText('Row L2 norm')
  await expect(embed.locator('svg')).toContainText('Rows (log scale)')
  await expect(embed.locator('svg')).toContainText('6 untrained')
  await expect(embed.getByRole('list', { name: 'Legend' })).toContainText('Untrained rows: 6')
  await expect(embed.locator('rect.bar-untrained')).toHaveCount(1)
  await expect(charts.filter({ hasText: 'lm_head.weight' }).getByRole('list', { name: 'Legend' })).toContainText('Untrained rows: 0')
  // The scan completes the truth table, with a one-click fix.
  await expect(truthCell(page, 'Untrained rows')).toHaveText('6')
  const untrained = checks.locator('.check.sev-warning')
  await expect(untrained).toContainText('6 token(s) have untrained rows')
  await page.screenshot({ path: join(SHOTS, 'inspect-scan.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'inspect-scan-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  // The fix opens the untrained-fix preflight in a dialog; Escape closes it.
  await untrained.getByRole('button', { name: 'Repair untrained rows…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Repair untrained rows' })
  await expect(dialog.getByRole('heading', { name: 'Review the plan' })).toBeVisible({ timeout: 30_000 })
  await expect(dialog.locator('.notes-decision')).toContainText('6 embedding row(s)')
  await expect(dialog.locator('.recipe-count.recipe-set-rows')).toContainText('1')
  await page.screenshot({ path: join(SHOTS, 'inspect-fix-dialog.png') })
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  expect(errors).toEqual([])
})

test('Inspect an adapter by path: per-layer LoRA delta norms; Ctrl+number switches screens', async ({ page }) => {
  await page.goto(web.url)
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible()
  await page.keyboard.press('Control+2')
  await expect(page.getByRole('heading', { name: 'Inspect', level: 1 })).toBeVisible()
  await expect(page.getByText('Nothing open yet.')).toBeVisible()
  await page.screenshot({ path: join(SHOTS, 'inspect-empty.png') })
  await page.getByLabel('Model or adapter folder').fill('relative/adapter')
  await page.getByRole('button', { name: 'Open', exact: true }).click()
  await expect(page.locator('.field-error')).toContainText('absolute')
  await page.getByLabel('Model or adapter folder').fill(join(DEMO, 'adapter'))
  await page.getByLabel('Model or adapter folder').press('Enter')
  const panel = page.locator('section.panel').filter({ has: page.getByRole('heading', { name: 'LoRA delta norms' }) })
  const chart = panel.locator('figure.chart')
  await expect(chart.getByRole('img')).toBeVisible()
  await expect(chart.locator('svg')).toContainText('Layer')
  // 2 layers × 7 modules, one bar each, and a legend naming the modules.
  await expect(chart.locator('svg rect')).toHaveCount(14)
  await expect(chart.getByRole('list', { name: 'Legend' })).toHaveText(/q_proj.*k_proj.*v_proj.*o_proj.*gate_proj.*up_proj.*down_proj/)
  await page.screenshot({ path: join(SHOTS, 'inspect-adapter.png'), fullPage: true })
  await page.keyboard.press('Control+1')
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible()
})
