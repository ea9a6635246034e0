/**
 * Tokenizer fixture folders for the comparison tests and bench. mistral/ and qwen3/ are stored as
 * plain JSON; llama3/ and gemma3/ are gzip-compressed (`*.json.gz`) to keep the repository small,
 * and are unpacked once into the OS temp folder (keyed by the .gz sizes and times, written
 * atomically, so parallel test files share one copy).
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

export const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url))

export type FixtureName = 'mistral' | 'qwen3' | 'llama3' | 'gemma3'

/** A folder holding the fixture's tokenizer.json (+ tokenizer_config.json), unpacked if needed. */
export function fixtureDir(name: FixtureName): string {
  const src = join(FIXTURES, name)
  const files = readdirSync(src).filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
  if (!files.some((f) => f.endsWith('.gz'))) return src
  const stamp = createHash('sha1')
  for (const f of files.sort()) {
    const st = statSync(join(src, f))
    stamp.update(`${f}:${st.size}:${st.mtimeMs};`)
  }
  const out = join(tmpdir(), 'graft-tokenizer-fixtures', stamp.digest('hex').slice(0, 12), name)
  mkdirSync(out, { recursive: true })
  for (const f of files) {
    const target = join(out, f.replace(/\.gz$/, ''))
    if (existsSync(target)) continue
    const data = f.endsWith('.gz') ? gunzipSync(readFileSync(join(src, f))) : readFileSync(join(src, f))
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    writeFileSync(tmp, data)
    renameSync(tmp, target)
  }
  return out
}
