import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { DEMO, SHOTS, startWebMode, type WebMode } from './web-mode'

/**
 * Folders in and out of the UI, in web mode: folders dropped on the path fields (as a file
 * manager or terminal hands them over: text/uri-list, text/plain; bare Files get a message, since
 * a browser never reveals their location), and "Open folder" on a result, with GRAFT_FOLDER_OPENER
 * pointing at a script that records what it was asked to open.
 */
let web: WebMode
let tools: string
const openedLog = () => join(tools, 'opened.log')

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true })
  tools = await mkdtemp(join(tmpdir(), 'graft-e2e-opener-'))
  const recorder = join(tools, 'record-open')
  await writeFile(recorder, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${openedLog()}'\n`)
  await chmod(recorder, 0o755)
  web = await startWebMode({ GRAFT_FOLDER_OPENER: recorder })
})

test.afterAll(async () => {
  await web?.stop()
  if (tools) await rm(tools, { recursive: true, force: true })
})

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true })

/** Dispatches dragover then drop on `target`, with a DataTransfer holding `data` (format → text) and `files` (names). */
async function dropOn(page: Page, target: Locator, data: Record<string, string>, files: string[] = []): Promise<void> {
  const dt = await page.evaluateHandle(
    ([data, files]) => {
      const dt = new DataTransfer()
      for (const [format, text] of Object.entries(data)) dt.setData(format, text)
      for (const name of files) dt.items.add(new File(['not a folder'], name))
      return dt
    },
    [data, files] as const,
  )
  await target.dispatchEvent('dragover', { dataTransfer: dt })
  await target.dispatchEvent('drop', { dataTransfer: dt })
}

test('folders dropped as file:// URIs or text fill the Merge fields, open in Inspect, and add to the Library', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  const baseInput = screen.getByLabel('Base model')
  const baseField = screen.locator('.field:has(#merge-base)')

  // While a drag that may carry a path is over the field, it is highlighted.
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer()
    d.setData('text/uri-list', 'file:///tmp')
    return d
  })
  await baseInput.dispatchEvent('dragover', { dataTransfer: dt })
  await expect(baseField).toHaveClass(/drop-over/)
  await page.screenshot({ path: join(SHOTS, 'merge-drop-over.png'), fullPage: true })
  await baseInput.dispatchEvent('dragleave', { dataTransfer: dt })
  await expect(baseField).not.toHaveClass(/drop-over/)

  // A file manager's uri-list: the base field takes the demo base folder.
  await dropOn(page, baseInput, { 'text/uri-list': `${pathToFileURL(join(DEMO, 'base')).href}\r\n` })
  await expect(baseInput).toHaveValue(join(DEMO, 'base'))
  await expect(baseField).not.toHaveClass(/drop-over/)
  // Percent escapes are decoded (a space, a non-ASCII letter).
  const odd = join(web.scratch, 'my models', 'bäse')
  await mkdir(odd, { recursive: true })
  await dropOn(page, baseInput, { 'text/uri-list': pathToFileURL(odd).href })
  await expect(baseInput).toHaveValue(odd)

  // Two adapter folders dropped on the adapter list: both are added.
  const other = join(web.scratch, 'adapter-b')
  await dropOn(page, screen.locator('fieldset.adapters'), { 'text/uri-list': [pathToFileURL(join(DEMO, 'adapter')).href, pathToFileURL(other).href].join('\r\n') })
  await expect(screen.getByLabel('Adapter 1', { exact: true })).toHaveValue(join(DEMO, 'adapter'))
  await expect(screen.getByLabel('Adapter 2', { exact: true })).toHaveValue(other)

  // A path as a terminal gives it (text/plain, quoted), dropped on Inspect's field, opens at once.
  await nav(page, 'Inspect').click()
  const inspect = page.getByRole('region', { name: 'Inspect', exact: true })
  await dropOn(page, inspect.getByLabel('Model or adapter folder'), { 'text/plain': `'${join(DEMO, 'adapter')}' ` })
  await expect(inspect.getByRole('heading', { name: /demo\/adapter/, level: 2 })).toBeVisible()

  // A folder dropped on the Library's "Add folder" is added (the app side checks it).
  await nav(page, 'Library').click()
  const lib = join(web.scratch, 'dropped-library')
  await mkdir(lib, { recursive: true })
  await dropOn(page, page.getByRole('form', { name: 'Add a folder to the Library' }), { 'text/uri-list': pathToFileURL(lib).href })
  await expect(page.locator('.notice')).toContainText(`Added ${lib}.`)
  expect(errors).toEqual([])
})

test('a drop of bare Files says the browser keeps their location, instead of doing nothing', async ({ page }) => {
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  const baseInput = screen.getByLabel('Base model')
  await baseInput.fill('/typed/before')
  await dropOn(page, baseInput, {}, ['base'])
  const note = screen.locator('.field:has(#merge-base)').getByRole('alert')
  await expect(note).toHaveText("Your browser does not reveal the folder's location; paste its path, or use the desktop app.")
  await expect(baseInput).toHaveValue('/typed/before')
  await page.screenshot({ path: join(SHOTS, 'merge-drop-files.png'), fullPage: true })
  // Typing a path clears the note.
  await baseInput.fill(join(DEMO, 'base'))
  await expect(note).toHaveCount(0)
  // The adapter list says the same.
  await dropOn(page, screen.locator('fieldset.adapters'), {}, ['adapter-a', 'adapter-b'])
  await expect(screen.locator('fieldset.adapters > .field-error')).toContainText('does not reveal')
})

test('"Open folder" on a merge result shows the output folder through the system opener', async ({ page }) => {
  const out = join(web.scratch, 'opened', 'demo-merged')
  await page.goto(web.url)
  await nav(page, 'Merge').click()
  const screen = page.getByRole('region', { name: 'Merge', exact: true })
  await screen.getByLabel('Base model').fill(join(DEMO, 'base'))
  await screen.getByRole('button', { name: /\+ demo\/adapter/ }).click()
  await screen.getByLabel('Output folder').fill(out)
  await screen.getByRole('button', { name: 'Review plan' }).click()
  const stage = screen.locator('.flow-stage')
  await stage.getByRole('button', { name: 'Merge', exact: true }).first().click()
  await expect(stage.locator('.verify')).toContainText('Verified', { timeout: 30_000 })

  const open = stage.getByRole('button', { name: 'Open folder' })
  await expect(open).toBeEnabled()
  await open.click()
  await expect.poll(() => readFile(openedLog(), 'utf8').catch(() => ''), { timeout: 10_000 }).toBe(`${out}\n`)
  await expect(stage.locator('.open-folder-error')).toHaveCount(0)
  await page.screenshot({ path: join(SHOTS, 'merge-result-open-folder.png'), fullPage: true })

  // The Jobs panel offers it too.
  await nav(page, 'Jobs').click()
  const job = page.locator('article.job').filter({ hasText: 'demo-merged' }).first()
  await job.getByRole('button', { name: 'Open folder' }).click()
  await expect.poll(() => readFile(openedLog(), 'utf8'), { timeout: 10_000 }).toBe(`${out}\n${out}\n`)
})
