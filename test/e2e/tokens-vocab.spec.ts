import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, libraryRow, nav, SHOTS, useWebMode } from './web-mode'

const web = useWebMode()


test('extend the demo vocabulary with two words: the preview shows each as one token, the plan lists pieces and merges, the output has 32,010 tokens', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  const outRoot = join(web.scratch, 'vocab-ext')
  await mkdir(outRoot, { recursive: true })
  await page.goto(web.url)
  await nav(page, 'Tokens').click()
  const screen = page.getByRole('region', { name: 'Tokens', exact: true })
  const panel = screen.locator('#tokens-panel-add')
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  await expect(page.locator('#tokens-base-note')).toContainText('Tokenizer 32,000 tokens')

  // Added tokens are the default; the flags belong to them.
  await expect(panel.getByRole('radio', { name: /^Added tokens/ })).toBeChecked()
  await expect(panel.getByText('AddedToken flags')).toBeVisible()
  await panel.getByRole('radio', { name: /^Extend the vocabulary/ }).check()
  await expect(panel.getByText('AddedToken flags')).toBeHidden()
  await expect(panel.getByLabel('Allow unreachable pieces')).not.toBeChecked()
  await expect(panel.getByLabel('Whole words: each line starts a word')).toBeChecked()

  await screen.getByLabel('Words or word parts, one per line').fill('Graftwork\nκαλημέρα')
  await expect(panel.locator('.label-row .subtle').first()).toHaveText('2 words')
  await screen.getByLabel('Sample text').fill('Graftwork says καλημέρα')

  // The preview: before, the words split into pieces; after, each is one new token.
  const beforeRow = panel.locator('.tok-row').filter({ hasText: 'Before' })
  const afterRow = panel.locator('.tok-row').filter({ hasText: 'After' })
  // Decoded by default (as Compare draws it); the stored pieces on request.
  await expect(afterRow.locator('.cmp-tok-new')).toHaveText(['Graftwork', '␣καλημέρα'])
  await panel.getByLabel(/Show stored pieces/).check()
  await expect(afterRow.locator('.tok-new')).toHaveText(['▁Graftwork', '▁καλημέρα'])
  await expect(afterRow.locator('.tok')).toHaveCount(3)
  await expect(beforeRow.locator('.tok')).toHaveText(['▁G', 'raft', 'work', '▁says', '▁', 'κ', 'α', 'λ', 'η', 'μ', 'έ', 'ρ', 'α'])
  const words = panel.getByRole('list', { name: 'Words to extend' })
  await expect(words).toContainText('" Graftwork"')
  await expect(words.locator('li').first()).toContainText('▁Graftwork id 32,001')
  await expect(panel.getByRole('list', { name: 'New vocabulary pieces' }).locator('li')).toHaveCount(10)
  await expect(panel.getByRole('list', { name: 'Merges appended' })).toContainText('▁G + raft → ▁Graft')
  await expect(panel).toContainText('Tokenizer 32,000 → 32,010 tokens · the sample takes 10 fewer tokens.')

  const out = join(outRoot, 'demo-greek')
  await page.locator('#tokens-out').fill(out)
  await page.screenshot({ path: join(SHOTS, 'tokens-vocab-preview.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: join(SHOTS, 'tokens-vocab-preview-dark.png'), fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  // The plan says what the extension adds: the words, the pieces, the merges, the resize.
  await panel.getByRole('button', { name: 'Review plan' }).click()
  const stage = panel.locator('.flow-stage')
  await expect(stage.getByRole('heading', { name: 'Review the plan' })).toBeFocused()
  const decisions = stage.locator('.notes-decision')
  await expect(decisions).toContainText('2 token(s) become single vocabulary pieces: " Graftwork" → ▁Graftwork (id 32001; was 3 pieces: ▁G · raft · work)')
  await expect(decisions).toContainText("10 piece(s) appended to tokenizer.json's model.vocab at ids 32000–32009 (2 requested, 8 partial")
  await expect(decisions).toContainText('10 merge(s) appended after the existing ones')
  await expect(decisions).toContainText('32000 to 32010 rows')
  await page.screenshot({ path: join(SHOTS, 'tokens-vocab-plan.png'), fullPage: true })
  await stage.getByRole('button', { name: 'Extend vocabulary' }).first().click()
  await expect(stage.locator('.verify.ok')).toContainText('config 32,010 · embedding 32,010 rows · head 32,010 rows', { timeout: 30_000 })
  await page.screenshot({ path: join(SHOTS, 'tokens-vocab-result.png'), fullPage: true })

  // The Library reads the output's vocabulary size from its tokenizer and config.
  await nav(page, 'Library').click()
  await page.getByLabel('Add folder').fill(outRoot)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(libraryRow(page, 'vocab-ext/demo-greek').locator('td').nth(4)).toHaveText('32,010')
  expect(errors).toEqual([])
})

test('a tokenizer that is not BPE offers only added tokens, and says why', async ({ page }) => {
  // The demo base's weights with a WordLevel tokenizer.
  const dir = join(web.scratch, 'wordlevel-model')
  await mkdir(dir, { recursive: true })
  for (const f of ['config.json', 'model.safetensors']) await symlink(join(DEMO, 'base', f), join(dir, f))
  const vocab = Object.fromEntries(['[UNK]', 'a', 'b'].map((t, i) => [t, i]))
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '[UNK]' } }))
  await page.goto(web.url)
  await nav(page, 'Tokens').click()
  const screen = page.getByRole('region', { name: 'Tokens', exact: true })
  const panel = screen.locator('#tokens-panel-add')
  await panel.getByRole('radio', { name: /^Extend the vocabulary/ }).check()
  await screen.getByLabel('Base model').fill(dir)
  const extend = panel.getByRole('radio', { name: /^Extend the vocabulary/ })
  await expect(extend).toBeDisabled()
  await expect(panel.getByRole('radio', { name: /^Added tokens/ })).toBeChecked()
  await expect(panel.locator('#tokens-mode-vocab-text')).toHaveText(/a WordLevel model, not BPE.*Add the words as added tokens instead\./)
  await expect(extend).toHaveAccessibleDescription(/not BPE/)
  await panel.locator('.mode-choices').screenshot({ path: join(SHOTS, 'tokens-vocab-not-bpe.png') })
})
