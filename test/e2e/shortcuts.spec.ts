import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { SHOTS, useWebMode } from './web-mode'

const web = useWebMode()

const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1 })
const navButton = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true })

test('in a browser, Alt+N and "g" then a letter open screens, "?" shows the shortcuts, and typing in a field is left alone', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  // The minified bundle must run under the strict CSP: any violation is a failure.
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await page.goto(web.url)
  await expect(heading(page, 'Library')).toBeVisible()
  await page.evaluate(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective}`)))

  // Web mode: the hints name Alt+N (the browser keeps Ctrl+N for its tabs) and the letter.
  await expect(navButton(page, 'Tokens')).toHaveAttribute('aria-keyshortcuts', 'Alt+3')
  await expect(navButton(page, 'Tokens')).toHaveAttribute('title', 'Tokens (Alt+3 · G then T)')

  await page.keyboard.press('Alt+2')
  await expect(heading(page, 'Inspect')).toBeVisible()
  await expect(navButton(page, 'Inspect')).toHaveAttribute('aria-current', 'page')
  await page.keyboard.press('Alt+3')
  await expect(heading(page, 'Tokens')).toBeVisible()
  await page.keyboard.press('g')
  await page.keyboard.press('m')
  await expect(heading(page, 'Merge')).toBeVisible()
  await page.keyboard.press('g')
  await page.keyboard.press('j')
  await expect(heading(page, 'Jobs')).toBeVisible()
  // Ctrl+N still works where the browser lets it through (Electron always does).
  await page.keyboard.press('Control+1')
  await expect(heading(page, 'Library')).toBeVisible()

  // In a text field, letters, "g" sequences and "?" are typing.
  await navButton(page, 'Tokens').click()
  // By id: the screen stays mounted (hidden) when another one shows.
  const tokens = page.locator('#tokens-text')
  await tokens.click()
  await page.keyboard.type('gm?')
  await expect(tokens).toHaveValue('gm?')
  await expect(heading(page, 'Tokens')).toBeVisible()
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeHidden()
  // Alt+N types nothing on Linux, so it still switches from a field.
  await page.keyboard.press('Alt+1')
  await expect(heading(page, 'Library')).toBeVisible()
  await expect(tokens).toHaveValue('gm?')

  // "?" outside a field opens the help for this mode; Escape closes it.
  await page.locator('body').click({ position: { x: 600, y: 10 } })
  await page.keyboard.press('Shift+Slash')
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(help).toBeVisible()
  await expect(help.getByRole('row', { name: /Tokens/ })).toContainText('Alt+3')
  await expect(help.getByRole('row', { name: /Tokens/ })).toContainText('G then T')
  await expect(help).toContainText('switch the browser’s tabs')
  await help.screenshot({ path: join(SHOTS, 'shortcuts-help.png') })
  // Screen shortcuts do nothing behind the open dialog.
  await page.keyboard.press('Alt+4')
  await expect(heading(page, 'Library')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()
  // The sidebar's button opens it too.
  await page.getByRole('button', { name: /Keyboard shortcuts/ }).click()
  await expect(help).toBeVisible()
  await page.keyboard.press('Escape')
  expect(errors).toEqual([])
})
