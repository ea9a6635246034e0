import { defineConfig } from '@playwright/test'

/**
 * End-to-end tests. Web-mode tests start Graft themselves (test/e2e/web-mode.ts: a fresh server
 * on a free port, with temporary config and Hugging Face cache folders) and drive it in Debian's
 * Chromium; the Electron test runs only where Electron's binary is installed. The build runs once
 * in globalSetup. Screenshots land in test-results/screenshots/.
 */
export default defineConfig({
  testDir: './test/e2e',
  // Playwright empties outputDir on every run; screenshots live beside it in test-results/screenshots.
  outputDir: './test-results/playwright',
  globalSetup: './test/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
})
