import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { DEMO, ROOT, SHOTS, startWebMode, type WebMode } from './web-mode'

let web: WebMode

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  web = await startWebMode()
})

test.afterAll(async () => {
  await web?.stop()
})

async function openMerge(page: Page) {
  await page.goto(web.url)
  await page.keyboard.press('Control+4')
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await expect(screen.getByRole('heading', { name: 'Merge', level: 1 })).toBeVisible()
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  await screen.getByLabel('Adapter 1', { exact: true }).fill(join(DEMO, 'adapter'))
  return screen
}

test('the default output is in the user outputs folder, never under resources/; an output inside the base is flagged as you type and in the plan, with Run disabled', async ({ page }) => {
  const screen = await openMerge(page)
  const field = screen.getByLabel('Output folder')
  await expect(field).toHaveValue(join(web.outputsDir, 'base-merged'))
  expect(await field.inputValue()).not.toContain(join(ROOT, 'resources'))

  const inside = join(DEMO, 'base', 'merged')
  await field.fill(inside)
  const fieldError = screen.locator('#merge-out-note')
  await expect(fieldError).toContainText('lies inside the input')
  await page.screenshot({ path: join(SHOTS, 'output-inside-base-field.png'), fullPage: true })

  await screen.getByRole('button', { name: 'Review plan' }).click()
  const stage = screen.locator('.flow-stage')
  await expect(stage.getByRole('alert', { name: 'Problems that stop this plan' })).toContainText('lies inside the input')
  await expect(stage.getByText('No warnings.')).toHaveCount(0)
  for (const b of await stage.getByRole('button', { name: 'Merge', exact: true }).all()) await expect(b).toBeDisabled()
  await page.screenshot({ path: join(SHOTS, 'output-inside-base-plan.png'), fullPage: true })
  expect(existsSync(inside)).toBe(false)

  // A folder the user did not get from Graft is refused as well, with GUI wording (no CLI flags).
  await stage.getByRole('button', { name: '← Edit' }).first().click()
  await field.fill(join(ROOT, 'resources'))
  await expect(fieldError).toContainText(/contains the input|resources folder/)
  await expect(fieldError).not.toContainText('--overwrite')
})

test('re-running: Start over moves on to a fresh name, and replacing an earlier result asks first, naming the folder, its size and the operation', async ({ page }) => {
  const screen = await openMerge(page)
  const field = screen.getByLabel('Output folder')
  const out = join(web.scratch, 'rerun', 'demo-merged')
  await field.fill(out)
  await screen.getByRole('button', { name: 'Review plan' }).click()
  const stage = screen.locator('.flow-stage')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage.getByRole('heading', { name: 'Result' })).toBeVisible({ timeout: 60_000 })
  expect(existsSync(join(out, 'graft_provenance.json'))).toBe(true)

  await stage.getByRole('button', { name: 'Start over' }).click()
  await expect(field).toHaveValue(`${out}-2`)

  // Back to the used folder: the field says what is there, the plan warns, and Run asks first.
  await field.fill(out)
  await expect(screen.locator('#merge-out-note')).toContainText('already holds a Graft merge output')
  await screen.getByRole('button', { name: 'Review plan' }).click()
  await expect(stage.locator('.notes-warning')).toContainText('already exists')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  const dialog = page.getByRole('dialog', { name: 'Replace the existing folder?' })
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText(out)
  await expect(dialog).toContainText(/a Graft merge output \([\d.]+ MB\), written /)
  await page.screenshot({ path: join(SHOTS, 'output-replace-confirm.png'), fullPage: true })
  await dialog.getByRole('button', { name: 'Keep it' }).click()
  await expect(dialog).toBeHidden()
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeVisible()

  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await dialog.getByRole('button', { name: 'Replace and run' }).click()
  await expect(stage.getByRole('heading', { name: 'Result' })).toBeVisible({ timeout: 60_000 })
  await expect(stage.locator('.notes-warning')).toHaveCount(0)
  await page.screenshot({ path: join(SHOTS, 'output-replaced-result.png'), fullPage: true })
})
