#!/usr/bin/env node
// The one test command (npm test): import-boundary lint, type check, unit and integration tests
// (vitest), the app build, and the end-to-end UI tests (Playwright in Debian's Chromium, web
// mode). Ends with one line: "N passed, N failed, N skipped". Exit code 1 if anything failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const results = { passed: 0, failed: 0, skipped: 0 }
const failures = []
mkdirSync('test-results', { recursive: true })

function step(name, cmd, args, env = {}) {
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return r.status === 0
}

function check(name, ok) {
  if (ok) results.passed++
  else {
    results.failed++
    failures.push(name)
  }
}

const only = process.argv.slice(2)
const want = (s) => only.length === 0 || only.includes(s)

if (want('lint')) check('import-boundary lint', step('lint', process.execPath, ['scripts/lint-imports.mjs']))
if (want('types')) check('type check', step('types', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']))

if (want('unit')) {
  const out = 'test-results/vitest.json'
  rmSync(out, { force: true })
  const ok = step('unit + integration (vitest)', process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`])
  if (existsSync(out)) {
    const j = JSON.parse(readFileSync(out, 'utf8'))
    results.passed += j.numPassedTests
    results.failed += j.numFailedTests
    results.skipped += j.numPendingTests + (j.numTodoTests ?? 0)
    if (j.numFailedTests > 0) failures.push(`${j.numFailedTests} vitest test(s)`)
    if (!ok && j.numFailedTests === 0) check('vitest run (suite error)', false)
  } else check('vitest run (no report)', false)
}

if (want('e2e')) {
  const built = step('build', process.execPath, ['scripts/build.mjs'])
  check('app build', built)
  if (built && existsSync('playwright.config.ts')) {
    const out = 'test-results/playwright.json'
    rmSync(out, { force: true })
    const ok = step('end-to-end (Playwright, web mode)', process.execPath, ['node_modules/@playwright/test/cli.js', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out })
    if (existsSync(out)) {
      const s = JSON.parse(readFileSync(out, 'utf8')).stats
      results.passed += s.expected + (s.flaky ?? 0)
      results.failed += s.unexpected
      results.skipped += s.skipped
      if (s.unexpected > 0) failures.push(`${s.unexpected} Playwright test(s)`)
      if (!ok && s.unexpected === 0) check('playwright run (suite error)', false)
    } else check('playwright run (no report)', false)
  }
}

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`)
console.log(`\n${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`)
process.exit(results.failed > 0 ? 1 : 0)
