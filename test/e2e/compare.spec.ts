import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { Tokenizer } from 'tokenizers'
import { DEMO, ROOT, SHOTS, startWebMode, type WebMode } from './web-mode'

/**
 * The Compare screen in web mode: the demo base (Mistral's tokenizer, a Library entry) against
 * Qwen3's tokenizer added by path. Every count the page shows is checked against the tokenizers
 * library called directly in this process.
 */
const QWEN3 = join(ROOT, 'test', 'fixtures', 'tokenizers', 'qwen3')
const BASE = join(DEMO, 'base')

let web: WebMode
const tokenizers: Record<string, Tokenizer> = {}

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  tokenizers['demo/base'] = Tokenizer.fromFile(join(BASE, 'tokenizer.json'))
  tokenizers.qwen3 = Tokenizer.fromFile(join(QWEN3, 'tokenizer.json'))
  web = await startWebMode()
})

test.afterAll(async () => {
  await web?.stop()
})

async function count(name: string, text: string, addSpecialTokens = false): Promise<number> {
  return (await tokenizers[name].encode(text, null, { addSpecialTokens })).getIds().length
}

const n = (v: number) => v.toLocaleString('en-US')

/** Opens Compare and chooses demo/base from the Library and qwen3 by path. */
async function openWithTwo(page: Page): Promise<void> {
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Compare/ }).click()
  await expect(page.getByRole('heading', { name: 'Compare tokenizers', level: 1 })).toBeVisible()
  const pick = page.getByLabel('From the Library')
  await expect(pick.locator('option', { hasText: 'demo/base' })).toHaveCount(1)
  await pick.selectOption(BASE)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await page.getByLabel('Or a path').fill(QWEN3 + '/')
  await page.getByRole('button', { name: 'Add path' }).click()
  await expect(page.locator('.cmp-chosen-label')).toHaveText(['demo/base', 'qwen3'])
}

const column = (page: Page, label: string) => page.locator(`#compare-panel-text [data-tokenizer="${label}"]`)

test('Text: two tokenizers on the demo text; the counts shown are the tokenizers library\'s', async ({ page }) => {
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  await openWithTwo(page)

  const text = await page.getByRole('textbox', { name: 'Text to tokenize' }).inputValue()
  expect(text).toMatch(/日本語/)
  expect(text).toMatch(/👋🏽/)
  const expected = { 'demo/base': await count('demo/base', text), qwen3: await count('qwen3', text) }
  expect(expected['demo/base']).not.toBe(expected.qwen3)
  for (const [label, c] of Object.entries(expected)) {
    await expect(column(page, label).locator('.cmp-count')).toHaveText(n(c))
    await expect(column(page, label).locator('h3')).toContainText(label)
    // Every token is drawn: one option per token.
    await expect(column(page, label).getByRole('option')).toHaveCount(c)
  }
  // The metrics table agrees.
  const tokensRow = page.locator('#compare-panel-text .cmp-metrics-table tr[data-metric="tokens"] td')
  await expect(tokensRow).toHaveText([n(expected['demo/base']), n(expected.qwen3)])
  await expect(page.locator('#compare-panel-text .cmp-bar-chart')).toHaveCount(6)

  // Byte pieces (Mistral's byte fallback for emoji) are marked; tooltips carry id and bytes.
  const base = column(page, 'demo/base')
  const piece = base.locator('.cmp-tok-cluster .cmp-tok-byte').first()
  await expect(piece).toHaveText('F0')
  await expect(piece).toHaveAttribute('title', /id \d+ · byte piece[\s\S]*bytes F0[\s\S]*text "👋"/)
  // Keyboard: focus the tokens and step with the arrow keys.
  const stream = base.getByRole('listbox')
  await stream.focus()
  await page.keyboard.press('ArrowRight')
  await expect(base.locator('.cmp-token-detail')).toContainText('#1')
  await expect(base.locator('.cmp-token-detail')).toContainText(/id \d+/)

  await page.screenshot({ path: join(SHOTS, 'compare-text.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'compare-text-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  // Special tokens: Mistral's post-processor adds <s>; Qwen's adds nothing.
  await page.getByLabel(/Add special tokens/).check()
  const withSpecial = { 'demo/base': await count('demo/base', text, true), qwen3: await count('qwen3', text, true) }
  expect(withSpecial['demo/base']).toBe(expected['demo/base'] + 1)
  for (const [label, c] of Object.entries(withSpecial)) await expect(column(page, label).locator('.cmp-count')).toHaveText(n(c))
  await expect(base.locator('.cmp-tok-special').first()).toHaveText('<s>')

  // Editing the text retokenizes it.
  const edited = 'Grüße, 世界! 🎉'
  await page.getByLabel(/Add special tokens/).uncheck()
  await page.getByRole('textbox', { name: 'Text to tokenize' }).fill(edited)
  for (const label of ['demo/base', 'qwen3']) await expect(column(page, label).locator('.cmp-count')).toHaveText(n(await count(label, edited)))
  expect(errors).toEqual([])
})

test('Vocabulary: sizes, overlap, search, paging and CSV export', async ({ page }) => {
  await openWithTwo(page)
  await page.getByRole('tab', { name: 'Vocabulary' }).click()
  const panel = page.locator('#compare-panel-vocab')
  const sizes = panel.locator('.cmp-vocab-sizes tbody tr').filter({ hasText: 'Size' })
  await expect(sizes.locator('td')).toHaveText([n(tokenizers['demo/base'].getVocabSize(true)), n(tokenizers.qwen3.getVocabSize(true))])
  await expect(panel.locator('.cmp-jaccard')).toHaveText(/^0\.\d{4}$/)
  const onlyA = panel.getByRole('region', { name: 'Only in demo/base' })
  await expect(onlyA.locator('tbody tr')).toHaveCount(100)
  await onlyA.getByRole('button', { name: /next page/ }).click()
  await expect(onlyA.locator('.pager')).toContainText(/^‹ Prev101–200 of [\d,]+Next ›$/)

  await page.screenshot({ path: join(SHOTS, 'compare-vocab.png'), fullPage: true })

  await panel.getByLabel('Search tokens').fill('ing')
  await expect(onlyA.locator('.pager')).toContainText(/^‹ Prev1–/)
  const cells = await onlyA.locator('tbody tr td:nth-child(3)').allTextContents()
  expect(cells.length).toBeGreaterThan(0)
  for (const c of cells) expect(c.toLowerCase()).toContain('ing')
  const total = Number((await onlyA.locator('h3 .subtle').textContent())!.replace(/[^\d]/g, ''))

  const [download] = await Promise.all([page.waitForEvent('download'), onlyA.getByRole('button', { name: 'Export CSV' }).click()])
  expect(download.suggestedFilename()).toBe('demo-base-vs-qwen3-only-in-demo-base-ing.csv')
  const csv = await readFile((await download.path())!, 'utf8')
  const lines = csv.split('\r\n').filter(Boolean)
  expect(lines[0]).toBe('id,token,normalized')
  expect(lines.length - 1).toBe(total)

  await expect(panel.locator('.cmp-sections-table')).toContainText('Pre-tokenizer')
  await expect(panel.locator('.cmp-special-grid')).toContainText('<|im_start|>')
})

test('Chat template: Qwen3 renders the conversation; the demo base says it has no template', async ({ page }) => {
  await openWithTwo(page)
  await page.getByRole('tab', { name: 'Chat template' }).click()
  const panel = page.locator('#compare-panel-chat')
  await panel.getByRole('button', { name: 'Add message' }).click()
  await panel.getByLabel('Content of message 5 (assistant)').fill('About 14 million 👥.')
  await panel.getByRole('button', { name: 'Render with each template' }).click()
  const none = panel.getByRole('region', { name: 'Chat rendered by demo/base' })
  await expect(none).toContainText('has no chat template')
  const qwen = panel.getByRole('region', { name: 'Chat rendered by qwen3' })
  await expect(qwen.locator('.cmp-tok-special').first()).toHaveText('<|im_start|>')
  // The rendered text, read back from the page, counts as the library counts it.
  await qwen.getByText('Rendered text').click()
  const shown = (await qwen.locator('.cmp-rendered-text pre').textContent())!
  const rendered = shown.replace(/⏎\n/g, '\n').replace(/␣/g, ' ')
  expect(rendered.startsWith('<|im_start|>system\nYou are a concise assistant.<|im_end|>\n')).toBe(true)
  await expect(qwen.locator('.cmp-count')).toHaveText(n(await count('qwen3', rendered)))
  await page.screenshot({ path: join(SHOTS, 'compare-chat.png'), fullPage: true })
})

test('Corpus: a job with progress, then totals, per file and per language', async ({ page }) => {
  const corpus = join(web.scratch, 'corpus')
  await mkdir(corpus, { recursive: true })
  const en = Array.from({ length: 400 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`)
  const records = [
    { text: 'Bonjour tout le monde, ça va très bien.', lang: 'fr' },
    { text: '今日はいい天気ですね。', lang: 'ja' },
    { text: 'Good morning, everyone.', lang: 'en' },
  ]
  await writeFile(join(corpus, 'english.txt'), en.join('\n') + '\n')
  await writeFile(join(corpus, 'mixed.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n')
  const docs = [...en, ...records.map((r) => r.text)]

  await openWithTwo(page)
  await page.getByRole('tab', { name: 'Corpus' }).click()
  const panel = page.locator('#compare-panel-corpus')
  await panel.getByLabel('Corpus folder or file').fill(corpus)
  await panel.getByRole('button', { name: 'Run on corpus' }).click()
  await expect(panel.locator('.cmp-corpus-job .state')).toHaveText('Done', { timeout: 30_000 })
  await expect(panel.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100')
  await expect(panel.locator('.job-stats')).toContainText('2 / 2 files')

  const totals: number[] = []
  for (const name of ['demo/base', 'qwen3']) {
    let t = 0
    for (const d of docs) t += await count(name, d)
    totals.push(t)
  }
  await expect(panel.locator('.cmp-metrics-table tr[data-metric="tokens"] td')).toHaveText(totals.map(n))
  await expect(panel.locator('.cmp-group-table').first().locator('tbody th')).toHaveText(['english.txt', 'mixed.jsonl'])
  // Languages from the .jsonl "lang" field, most characters first.
  await expect(panel.locator('.cmp-group-table').nth(1).locator('tbody th')).toHaveText(['fr', 'en', 'ja'])
  await page.screenshot({ path: join(SHOTS, 'compare-corpus.png'), fullPage: true })

  // The job is listed on the Jobs screen too, counted in files.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Jobs/ }).click()
  const job = page.locator('article.job').filter({ hasText: 'Compare demo/base vs qwen3 on corpus' })
  await expect(job.locator('.state')).toHaveText('Done')
  await expect(job.locator('.job-stats')).toContainText('2 / 2 files')
})

test('readable errors: a folder without tokenizer.json', async ({ page }) => {
  const empty = join(web.scratch, 'not-a-tokenizer')
  await mkdir(empty, { recursive: true })
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Compare/ }).click()
  await page.getByLabel('Or a path').fill('relative/path')
  await page.getByRole('button', { name: 'Add path' }).click()
  await expect(page.locator('.cmp-field-error')).toContainText('absolute path')
  // A folder without tokenizer.json is refused on Add, with why and what to do; it never becomes a chip.
  await page.getByLabel('Or a path').fill(empty)
  await page.getByRole('button', { name: 'Add path' }).click()
  const alert = page.locator('.cmp-field-error')
  await expect(alert).toContainText('has no tokenizer.json')
  await expect(alert).toContainText('save_pretrained')
  await expect(page.locator('.cmp-chosen-item')).toHaveCount(0)
  await expect(page.getByLabel('Or a path')).toHaveValue(empty)
})

test('Add path checks each path first: bad ones are refused inline, the good ones compare', async ({ page }) => {
  const empty = join(web.scratch, 'empty-folder')
  await mkdir(empty, { recursive: true })
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(web.url)
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Compare/ }).click()
  const field = page.getByLabel('Or a path')
  const add = page.getByRole('button', { name: 'Add path' })
  const error = page.locator('.cmp-field-error')
  await field.fill('/tmp/nope-graft-e2e')
  await add.click()
  await expect(error).toContainText('/tmp/nope-graft-e2e does not exist')
  // Typing again clears the old message.
  await field.fill(empty)
  await expect(error).toHaveCount(0)
  await add.click()
  await expect(error).toContainText('has no tokenizer.json')
  await field.fill(join(QWEN3, 'tokenizer_config.json'))
  await add.click()
  await expect(error).toContainText('is tokenizer_config.json, not a tokenizer.json')
  await expect(error).toContainText(`Choose its folder ${QWEN3}`)
  await page.screenshot({ path: join(SHOTS, 'ux-compare-bad-path.png') })
  await expect(page.locator('.cmp-chosen-item')).toHaveCount(0)
  // The good ones are added and compared.
  await field.fill(QWEN3)
  await add.click()
  await expect(page.locator('.cmp-chosen-label')).toHaveText(['qwen3'])
  await expect(field).toHaveValue('')
  const pick = page.getByLabel('From the Library')
  await pick.selectOption(BASE)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(page.locator('.cmp-chosen-label')).toHaveText(['qwen3', 'demo/base'])
  await expect(column(page, 'qwen3')).toBeVisible()
  await expect(page.locator('.cmp-picker-hint')).toContainText('you can add 2 more')
  await page.screenshot({ path: join(SHOTS, 'ux-compare-good-paths.png') })
})
