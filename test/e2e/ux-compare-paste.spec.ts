import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, ROOT, SHOTS, useWebMode } from './web-mode'

const web = useWebMode()
const QWEN3 = join(ROOT, 'test', 'fixtures', 'tokenizers', 'qwen3')

/** About 200 KB of mixed prose and code, as in the finding (154k characters). */
function bigText(): string {
  const prose = 'Tokenizers split the same text differently — compare them here. Grüße aus München! Καλημέρα κόσμε. '
  const code = '    def tokenize(text):\n        return [t for t in text.split()  if t]  # code & tabs\t\n'
  let s = ''
  while (s.length < 154_000) s += prose + code
  return s
}

test('a 200 KB paste in Compare: the page stays small and typing stays responsive', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Compare/ }).click()
  await page.getByLabel('From the Library').selectOption(join(DEMO, 'base'))
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await page.getByLabel('Or a path').fill(QWEN3)
  await page.getByRole('button', { name: 'Add path' }).click()
  await expect(page.locator('.cmp-chosen-label')).toHaveText(['demo/base', 'qwen3'])
  const column = page.locator('#compare-panel-text [data-tokenizer="qwen3"]')
  await expect(column.locator('.cmp-count')).toBeVisible()

  const text = bigText()
  const box = page.getByRole('textbox', { name: 'Text to tokenize' })
  const t0 = Date.now()
  await box.fill(text)
  await expect(page.locator('.cmp-text-input-bar')).toContainText(`${text.length.toLocaleString('en-US')} characters`)
  await expect(column.getByText(/Showing the first [\d,]+ of [\d,]+ tokens/)).toBeVisible({ timeout: 60_000 })
  const settled = Date.now() - t0
  // The drawn part is the first few thousand tokens per column, not one element per space of the whole text.
  const nodes = await page.evaluate(() => document.getElementsByTagName('*').length)
  console.log(`200 KB paste: results after ${settled} ms; ${nodes} elements on the page`)
  expect(nodes).toBeLessThan(40_000)
  await page.screenshot({ path: join(SHOTS, 'ux-compare-200kb.png') })

  // A keystroke paints without redrawing the columns.
  await box.press('End')
  const lags: number[] = []
  for (const ch of 'abc') {
    const t = await page.evaluate(async (c) => {
      const el = document.getElementById('compare-text') as HTMLTextAreaElement
      const start = performance.now()
      el.focus()
      document.execCommand('insertText', false, c)
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
      return performance.now() - start
    }, ch)
    lags.push(Math.round(t))
  }
  console.log(`keystroke to paint (ms): ${lags.join(', ')}`)
  expect(Math.min(...lags)).toBeLessThan(250)
  await expect(page.locator('.cmp-text-input-bar')).toContainText(`${(text.length + 3).toLocaleString('en-US')} characters`)
  expect(errors).toEqual([])
})
