import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, nav, SHOTS, useWebMode } from './web-mode'

const web = useWebMode()

test('errors say what to do, sit on their field, and go when the field changes', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)

  // Inspect: a folder with no model, then another path typed: the old error does not linger.
  await nav(page, 'Inspect').click()
  const inspect = page.getByRole('region', { name: 'Inspect', exact: true })
  const field = inspect.getByLabel('Model or adapter folder')
  await field.fill(web.scratch)
  await field.press('Enter')
  await expect(inspect.locator('.inspect-error')).toContainText('holds no model')
  await field.fill('relative/path')
  await expect(inspect.locator('.inspect-error')).toHaveCount(0)
  await expect(inspect).toContainText('Press Open to inspect the folder in the field.')
  await field.press('Enter')
  await expect(inspect.locator('#inspect-path-note')).toContainText('Type the full path')
  await field.fill('relative/path2')
  await expect(inspect.locator('#inspect-path-note')).toHaveCount(0)

  // Tokens › Add: "Type at least one token" goes once a token is typed.
  await nav(page, 'Tokens').click()
  const tokens = page.getByRole('region', { name: 'Tokens', exact: true })
  await tokens.getByLabel('Base model').fill(join(DEMO, 'base'))
  await expect(page.locator('#tokens-base-note')).toContainText('Tokenizer 32,000 tokens')
  const addPanel = page.locator('#tokens-panel-add')
  await addPanel.getByRole('button', { name: 'Review plan' }).click()
  const addNote = addPanel.locator('.error-note')
  await expect(addNote).toContainText('Type at least one token')
  await expect(addNote.locator('.error-code')).toHaveText('Check this')
  await tokens.getByLabel('Tokens, one per line').fill('<a_token>\n<b_token>')
  await expect(addNote).toHaveCount(0)
  // Enter in the Base field reviews the open tab's plan too.
  await page.locator('#tokens-out').fill(join(web.scratch, 'never-written'))
  await tokens.getByLabel('Base model').press('Enter')
  await expect(addPanel.getByRole('heading', { name: 'Review the plan' })).toBeVisible()
  await addPanel.getByRole('button', { name: '← Edit' }).first().click()

  // Tokens › Resize: a huge size states the real limit; -1 and abc get their own words.
  await tokens.getByRole('tab', { name: 'Resize embeddings' }).click()
  const resize = page.locator('#tokens-panel-resize')
  const size = resize.getByLabel('New size')
  const note = resize.locator('.error-note')
  await size.fill('1000000000000')
  // Said on the field as you type, and again on Review plan.
  await expect(resize.locator('#resize-size-error')).toContainText('at most 10,000,000')
  await expect(size).toHaveAttribute('aria-invalid', 'true')
  await resize.getByRole('button', { name: 'Review plan' }).click()
  await expect(note).toContainText('1,000,000,000,000 is more than Graft takes (at most 10,000,000)')
  await page.screenshot({ path: join(SHOTS, 'ux-resize-huge.png') })
  await size.fill('-1')
  await expect(note).toHaveCount(0)
  // Enter in the size field reviews the plan (the step's primary action).
  await size.press('Enter')
  await expect(note).toContainText('-1 is negative')
  await size.fill('abc')
  await size.press('Enter')
  await expect(note).toContainText('“abc” is not a whole number')
  expect(errors).toEqual([])
})

test('a result offers Copy path beside a disabled Open folder (with the reason shown), and continues with the output as the next base', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.origin })
  await page.setViewportSize({ width: 1440, height: 900 })
  const outRoot = join(web.scratch, 'chain')
  await mkdir(outRoot, { recursive: true })
  await page.goto(web.url)
  await nav(page, 'Tokens').click()
  const tokens = page.getByRole('region', { name: 'Tokens', exact: true })
  await tokens.getByLabel('Base model').fill(join(DEMO, 'base'))
  await tokens.getByLabel('Tokens, one per line').fill('<think>\n</think>')
  const out = join(outRoot, 'step1')
  await page.locator('#tokens-out').fill(out)
  // Enter in the output field reviews the plan.
  await page.locator('#tokens-out').press('Enter')
  const stage = page.locator('#tokens-panel-add .flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeVisible()
  await stage.getByRole('button', { name: 'Add tokens' }).first().click()
  await expect(stage.locator('.verify.ok')).toContainText('Verified', { timeout: 30_000 })

  // Web mode here has no display: Open folder is off and says why, in plain sight; Copy path works.
  await expect(stage.getByRole('button', { name: 'Open folder' })).toBeDisabled()
  await expect(stage.locator('.open-folder-note')).toBeVisible()
  await expect(stage.locator('.open-folder-note')).toContainText('Open folder is off:')
  await stage.getByRole('button', { name: 'Copy path' }).click()
  await expect(stage.getByRole('button', { name: 'Copied ✓' })).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(out)
  await page.screenshot({ path: join(SHOTS, 'ux-result-copy-path.png') })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'ux-result-copy-path-dark.png') })
  await page.emulateMedia({ colorScheme: 'light' })

  // Compare tokenizers before/after: Compare opens with the base's and the output's tokenizers.
  await stage.getByRole('button', { name: 'Compare tokenizers before/after' }).click()
  await expect(page.getByRole('heading', { name: 'Compare tokenizers', level: 1 })).toBeVisible()
  await expect(page.locator('.cmp-chosen-path')).toHaveText([join(DEMO, 'base'), out])
  const after = page.locator('#compare-panel-text .cmp-token-column').nth(1)
  await expect(after).toContainText('32,002 tokens in the vocabulary')
  await page.screenshot({ path: join(SHOTS, 'ux-tokens-compare-before-after.png') })
  await nav(page, 'Tokens').click()

  // Use this output as the next base: back to the form, the base is the output just written.
  await stage.getByRole('button', { name: 'Use this output as the next base' }).click()
  await expect(tokens.getByLabel('Base model')).toHaveValue(out)
  await expect(page.locator('#tokens-base-note')).toContainText('Tokenizer 32,002 tokens')
  await expect(page.locator('#tokens-panel-add').getByRole('button', { name: 'Review plan' })).toBeVisible()
  expect(errors).toEqual([])
})

test('Jobs: titles in the plan’s words, a start date, and Clear finished', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await screen.getByRole('button', { name: '+ demo/base' }).click()
  await screen.getByRole('button', { name: /\+ demo\/adapter/ }).click()
  const out = join(web.scratch, 'jobs-merged')
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByLabel('Output folder').press('Enter')
  const stage = screen.locator('.flow-stage')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage.locator('.verify')).toContainText('Verified', { timeout: 30_000 })
  // Merge's "Use this output as the next base": the merged model becomes Base, the adapter list starts empty.
  await stage.getByRole('button', { name: 'Use this output as the next base' }).click()
  await expect(screen.getByLabel('Base model')).toHaveValue(out)
  await expect(screen.getByLabel('Adapter 1', { exact: true })).toHaveValue('')
  await expect(screen.locator('.field').filter({ has: page.locator('#merge-base') }).locator('.field-hint')).toContainText('vocab 32,003')
  await nav(page, 'Jobs').click()
  const jobs = page.getByRole('region', { name: 'Jobs' })
  const job = jobs.locator('article.job').filter({ hasText: 'jobs-merged' })
  await expect(job.locator('.job-title')).toHaveText(`Merge 1 adapter into ${join(DEMO, 'base')} → ${out}`)
  await expect(job.locator('.job-head time')).toHaveText(/^today \d\d:\d\d$/)
  await page.screenshot({ path: join(SHOTS, 'ux-jobs.png') })
  await jobs.getByRole('button', { name: /Clear finished \(\d+\)/ }).click()
  await expect(jobs.locator('article.job')).toHaveCount(0)
  await expect(jobs).toContainText('the finished ones were cleared')
})
