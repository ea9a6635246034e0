import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { makeSlowModel } from './make-slow-model'
import { DEMO, SHOTS, startWebMode, type WebMode } from './web-mode'

let web: WebMode
let slow: { base: string; adapter: string }

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  web = await startWebMode()
  slow = await makeSlowModel(web.scratch)
})

test.afterAll(async () => {
  await web?.stop()
})

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true })

test('a running merge shows bytes, tensors, speed and ETA, and Cancel leaves no output', async ({ page }) => {
  const outRoot = join(web.scratch, 'merge-cancel')
  await mkdir(outRoot, { recursive: true })
  const out = join(outRoot, 'slow-merged')
  await page.goto(web.url)
  await page.keyboard.press('Control+4')
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await expect(screen.getByRole('heading', { name: 'Merge', level: 1 })).toBeVisible()
  // A wrong base is refused at the plan, with what to do.
  await screen.getByLabel('Base model').fill(join(web.scratch, 'no-such-model'))
  await screen.getByLabel('Adapter 1', { exact: true }).fill(slow.adapter)
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByRole('button', { name: 'Review plan' }).click()
  await expect(screen.getByRole('alert')).toContainText('no-such-model')
  await expect(screen.locator('.error-hint')).not.toBeEmpty()
  await page.screenshot({ path: join(SHOTS, 'merge-form-error.png'), fullPage: true })
  await screen.getByLabel('Base model').fill(slow.base)
  await screen.getByRole('button', { name: 'Review plan' }).click()
  const stage = screen.locator('.flow-stage')
  await expect(stage.locator('.recipe-count.recipe-lora')).toContainText('56')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()

  // It is running: the bar moves, with bytes, tensors, speed and time left.
  const progress = stage.locator('.job-progress')
  await expect(stage.getByRole('heading', { name: 'Running' })).toBeVisible()
  await expect.poll(async () => Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow')), { timeout: 20_000, intervals: [100] }).toBeGreaterThan(0)
  await expect(progress.locator('.job-progress-stats')).toContainText(/MB of \d+ MB/)
  await expect(progress.locator('.job-progress-stats')).toContainText(/\d+ \/ 75/)
  await page.screenshot({ path: join(SHOTS, 'merge-running.png'), fullPage: true })
  const at = Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow'))
  expect(at).toBeLessThan(100)
  await progress.getByRole('button', { name: 'Cancel' }).click()
  await expect(stage.getByRole('heading', { name: 'Cancelled' })).toBeVisible()
  await expect(stage.locator('.cancelled-note')).toContainText('Nothing was written')
  await page.screenshot({ path: join(SHOTS, 'merge-cancelled.png'), fullPage: true })
  // No output and no temporary folder beside it.
  expect(existsSync(out)).toBe(false)
  await expect.poll(async () => readdir(outRoot)).toEqual([])
  // The Jobs panel agrees.
  await nav(page, 'Jobs').click()
  await expect(page.locator('article.job').first().locator('.state')).toHaveText('Cancelled')
})

test('merging the demo adapter: preflight plan, progress, verified result, and Inspect reads the output back', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const out = join(web.scratch, 'merged', 'demo-merged')
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  // The adapter from the Library list.
  await screen.getByRole('button', { name: /\+ demo\/adapter/ }).click()
  await expect(screen.getByLabel('Adapter 1', { exact: true })).toHaveValue(join(DEMO, 'adapter'))
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByLabel('Output dtype').selectOption('keep')
  await screen.getByRole('button', { name: 'Review plan' }).click()

  // Preflight: counts per recipe, decisions (resize, tokenizer source), estimates, changed tensors.
  const stage = screen.locator('.flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeFocused()
  await expect(stage.locator('.recipe-count.recipe-lora')).toContainText('14')
  await expect(stage.locator('.recipe-count.recipe-replace')).toContainText('2')
  await expect(stage.locator('.recipe-count.recipe-copy')).toContainText('5')
  const decisions = stage.locator('.notes-decision')
  await expect(decisions).toContainText('32003 rows')
  await expect(decisions).toContainText('Tokenizer files come from the adapter')
  await expect(stage.locator('.estimates')).toContainText('Disk space needed')
  await expect(stage.locator('.estimates')).toContainText('Time (at 200 MB/s)')
  await expect(stage.locator('.changed tbody tr')).toHaveCount(16)
  // The adapters table: path, weight, r, lora_alpha and the scale s = alpha/r.
  const adaptersTable = stage.locator('.plan-adapters tbody tr')
  await expect(adaptersTable).toHaveCount(1)
  await expect(adaptersTable.locator('td')).toHaveText([join(DEMO, 'adapter'), '1', '8', '16', '2', '14 LoRA · 2 replaced', 'LoRA'])
  await page.screenshot({ path: join(SHOTS, 'merge-plan.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'merge-plan-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  const verify = stage.locator('.verify')
  await expect(verify).toContainText('Verified', { timeout: 30_000 })
  await expect(verify).toContainText('config 32,003 · embedding 32,003 rows · head 32,003 rows · agree')
  await expect(verify).toContainText('none in the tensors Graft computed')
  await expect(verify).toContainText('untied')
  await page.screenshot({ path: join(SHOTS, 'merge-result.png'), fullPage: true })

  await stage.getByRole('button', { name: 'Inspect output' }).click()
  const inspect = page.getByRole('region', { name: 'Inspect', exact: true })
  await expect(inspect.getByRole('heading', { name: /demo-merged/, level: 2 })).toBeVisible()
  await expect(inspect.locator('.fact').filter({ hasText: 'vocab_size' })).toContainText('32,003')
  await expect(inspect.locator('.truth-cell').filter({ hasText: 'Tokenizer length' }).locator('dd').first()).toHaveText('32,003')
  await expect(inspect.locator('.truth-cell').filter({ hasText: 'Embedding rows' }).locator('dd').first()).toHaveText('32,003')
  await expect(inspect.locator('.check.sev-ok')).toContainText('agree')
  await page.screenshot({ path: join(SHOTS, 'merge-inspect-output.png'), fullPage: true })
  // The Jobs panel shows the merge with its verification.
  await nav(page, 'Jobs').click()
  const job = page.locator('article.job').filter({ hasText: 'demo-merged' }).first()
  await expect(job.locator('.state')).toHaveText('Done')
  await expect(job.locator('.verify')).toContainText('Verified')
  await page.screenshot({ path: join(SHOTS, 'jobs-merge.png'), fullPage: true })
  expect(errors).toEqual([])
})
