import { existsSync } from 'node:fs'
import { appendFile, cp } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, startWebMode, type WebMode } from './web-mode'

let web: WebMode

test.beforeAll(async () => {
  web = await startWebMode()
})

test.afterAll(async () => {
  await web?.stop()
})

test('the reviewed plan is what runs: an input edited after review is refused (PLAN_STALE), and reviewing again runs', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const base = join(web.scratch, 'stale', 'base')
  const adapter = join(web.scratch, 'stale', 'adapter')
  await cp(join(DEMO, 'base'), base, { recursive: true })
  await cp(join(DEMO, 'adapter'), adapter, { recursive: true })
  const out = join(web.scratch, 'stale', 'merged')
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Merge', exact: true }).click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await screen.getByLabel('Base model').fill(base)
  await screen.getByLabel('Adapter 1', { exact: true }).fill(adapter)
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByRole('button', { name: 'Review plan' }).click()
  const stage = screen.locator('.flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeFocused()

  // Someone edits the base while the plan is on screen.
  await appendFile(join(base, 'config.json'), '\n')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage).toContainText('plan stale')
  await expect(stage).toContainText('config.json changed size')
  expect(existsSync(out)).toBe(false)

  await stage.getByRole('button', { name: 'Review the plan again' }).click()
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeVisible()
  await expect(stage).not.toContainText('plan stale')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage.locator('.verify')).toContainText('Verified', { timeout: 60_000 })
  expect(existsSync(join(out, 'model.safetensors'))).toBe(true)
  expect(errors).toEqual([])
})
