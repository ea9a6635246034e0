import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileEdit, PlanNote } from '../../shared/plan'
import { inputKind, jsonErrorPlace, MAX_TEXT_INPUT_BYTES, readInputText } from '../exec/read-input-file'

/** Files that are weights (never copied into an output; the plan writes its own shards). */
export const WEIGHT_FILE = /(\.safetensors|\.bin|\.pt|\.pth|\.ckpt|\.gguf|\.h5|\.msgpack|\.onnx|safetensors\.index\.json|bin\.index\.json)$/

/**
 * Subfolders (sentence-transformers' `1_Pooling/`, Llama's `original/`) are copied file by file
 * up to this depth and file count; a larger tree is left out with a warning, since a model's
 * side folders are small and a link to a big tree (or to `/`) must not turn planning into a crawl.
 */
export const MAX_SUBFOLDER_DEPTH = 4
export const MAX_SUBFOLDER_FILES = 256
/** Names listed in one warning before the rest are only counted. */
const MAX_LISTED = 5

/**
 * The non-weight files of a model folder to carry into an output (configs, tokenizer, templates),
 * except the names in `skip` (files the plan writes itself) and hidden files. Decided here, at
 * plan time, so that the final copy never meets a surprise:
 * - regular files and links to them are copied (a JSON file that does not parse is still copied,
 *   with a warning naming it);
 * - subfolders and links to folders are copied file by file (bounded by MAX_SUBFOLDER_DEPTH and
 *   MAX_SUBFOLDER_FILES), unless they hold weight files: an ONNX export, `original/` or a
 *   `checkpoint-500/` holds (a copy of) the input's weights, which would not match the output's,
 *   and half of such a folder is worse than none, so the whole folder is left out with a warning;
 * - pipes, sockets, devices, dangling and looping links are never opened: they are left out,
 *   and `warnings` (when given) names them.
 */
export async function copyModelFiles(opts: { dir: string; skip?: Iterable<string>; reason?: string; warnings?: PlanNote[] }): Promise<FileEdit[]> {
  const skip = new Set(opts.skip ?? [])
  const reason = opts.reason ?? 'copied from the input'
  const out: FileEdit[] = []
  const unreadable: string[] = []
  const subWeights: string[] = []
  const badJson: string[] = []
  const tooBig: string[] = []
  for (const e of (await readdir(opts.dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.') || WEIGHT_FILE.test(e.name) || skip.has(e.name)) continue
    const from = join(opts.dir, e.name)
    const { kind, stats } = await inputKind(from)
    if (kind === 'file') {
      out.push({ kind: 'copy', from, path: e.name, reason })
      if (e.name.endsWith('.json') && stats!.size <= MAX_TEXT_INPUT_BYTES) {
        const problem = await jsonProblem(from)
        if (problem) badJson.push(`${e.name} (${problem})`)
      }
    } else if (kind === 'dir') {
      const files: FileEdit[] = []
      const weights: string[] = []
      const ok = await walk(from, e.name, 1, files, weights, unreadable, reason)
      if (!ok) tooBig.push(e.name + '/')
      else if (weights.length) subWeights.push(`${e.name}/ (${weights[0]}${weights.length > 1 ? ` and ${weights.length - 1} more` : ''})`)
      else out.push(...files)
    } else {
      unreadable.push(`${e.name} (${kind === 'loop' ? 'a looping link' : kind === 'missing' ? 'a dangling link' : kind === 'special' ? describeSpecial(stats!) : 'unreadable'})`)
    }
  }
  const warnings = opts.warnings
  if (warnings) {
    if (unreadable.length) warnings.push({ code: 'FILES_NOT_COPIED', message: `Not copied from ${opts.dir}, as they are not regular files: ${list(unreadable)}.` })
    if (subWeights.length)
      warnings.push({ code: 'SUBFOLDER_WEIGHTS_NOT_COPIED', message: `Not copied from ${opts.dir}: ${list(subWeights)}. These folders hold weight files (an ONNX export, an original or training checkpoint, another module's layer), which the output's new weights would not match; copy them yourself if they still belong with it.` })
    if (tooBig.length) warnings.push({ code: 'SUBFOLDER_NOT_COPIED', message: `Not copied from ${opts.dir}: ${list(tooBig)} (more than ${MAX_SUBFOLDER_FILES} files or ${MAX_SUBFOLDER_DEPTH} levels deep). Copy what the output needs yourself.` })
    if (badJson.length) warnings.push({ code: 'INVALID_JSON_COPIED', message: `Copied unchanged but not valid JSON, so loading the output may fail: ${list(badJson.map((b) => join(opts.dir, b)))}. Fix or re-download it.` })
  }
  return out
}

/** Adds a subfolder's copyable files; false when the tree is too deep or too large to copy. */
async function walk(dir: string, rel: string, depth: number, files: FileEdit[], weights: string[], unreadable: string[], reason: string): Promise<boolean> {
  if (depth > MAX_SUBFOLDER_DEPTH) return false
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    unreadable.push(`${rel}/ (unreadable)`)
    return true
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const from = join(dir, e.name)
    const path = `${rel}/${e.name}`
    const { kind, stats } = await inputKind(from)
    if (kind === 'dir') {
      if (!(await walk(from, path, depth + 1, files, weights, unreadable, reason))) return false
    } else if (WEIGHT_FILE.test(e.name)) {
      weights.push(path)
    } else if (kind === 'file') {
      if (files.length >= MAX_SUBFOLDER_FILES) return false
      files.push({ kind: 'copy', from, path, reason })
    } else {
      unreadable.push(`${path} (${kind === 'loop' ? 'a looping link' : kind === 'missing' ? 'a dangling link' : kind === 'special' ? describeSpecial(stats!) : 'unreadable'})`)
    }
  }
  return true
}

/** Why a JSON file does not parse ("line 3, column 7"), or null when it does. */
async function jsonProblem(path: string): Promise<string | null> {
  let text: string
  try {
    text = await readInputText(path)
  } catch {
    return 'unreadable'
  }
  try {
    JSON.parse(text)
    return null
  } catch {
    return jsonErrorPlace(text) ?? 'invalid'
  }
}

function describeSpecial(s: import('node:fs').Stats): string {
  return s.isFIFO() ? 'a named pipe' : s.isSocket() ? 'a socket' : 'a device'
}

function list(items: string[]): string {
  return items.length <= MAX_LISTED ? items.join(', ') : `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more`
}
