import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileEdit } from '../../shared/plan'

/** Files that are weights (never copied into an output; the plan writes its own shards). */
export const WEIGHT_FILE = /(\.safetensors|\.bin|\.pt|\.pth|\.ckpt|\.gguf|\.h5|\.msgpack|\.onnx|safetensors\.index\.json|bin\.index\.json)$/

/**
 * The non-weight files of a model folder to carry into an output (configs, tokenizer, templates),
 * except the names in `skip` (files the plan writes itself) and hidden files.
 */
export async function copyModelFiles(opts: { dir: string; skip?: Iterable<string>; reason?: string }): Promise<FileEdit[]> {
  const skip = new Set(opts.skip ?? [])
  const out: FileEdit[] = []
  for (const e of await readdir(opts.dir, { withFileTypes: true })) {
    if (!e.isFile() && !e.isSymbolicLink()) continue
    if (e.name.startsWith('.') || WEIGHT_FILE.test(e.name) || skip.has(e.name)) continue
    out.push({ kind: 'copy', from: join(opts.dir, e.name), path: e.name, reason: opts.reason ?? 'copied from the input' })
  }
  return out
}
