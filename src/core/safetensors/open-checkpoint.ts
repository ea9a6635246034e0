import { lstat, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { TensorRef } from '../../shared/plan'
import type { ErrorCode } from '../../shared/errors'
import { GraftError } from '../errors'
import { jsonErrorPlace, readInputText } from '../exec/read-input-file'
import { readSafetensorsHeader, type SafetensorsHeader } from './read-safetensors-header'

export const INDEX_FILE = 'model.safetensors.index.json'

/** Weights-file stems other libraries load by name; an output keeps the input's so that library still finds its weights. */
const KNOWN_WEIGHTS_PREFIXES = ['diffusion_pytorch_model']

/** The stem an output's weights files should carry, from the input's weights files: "model" unless they use a known other name (diffusers). */
export function weightsPrefixOf(files: string[]): string {
  const names = files.map((f) => f.split(/[\\/]/).pop()!)
  return KNOWN_WEIGHTS_PREFIXES.find((p) => names.length > 0 && names.every((n) => n === `${p}.safetensors` || n.startsWith(`${p}-`))) ?? 'model'
}

/** A folder's safetensors weights: one file, or shards listed by an index. */
export interface Checkpoint {
  dir: string
  /** Safetensors files in the order they were listed. */
  files: string[]
  headers: SafetensorsHeader[]
  /** Tensor name -> location, in file then data order. */
  tensors: Map<string, TensorRef>
  metadata: Record<string, string>
  /** Sum of all tensor bytes. */
  totalBytes: number
}

/**
 * Opens the weights of a model folder by headers only. With an index, cross-checks it: every
 * indexed tensor must exist in the shard the index names, and no tensor may appear in two
 * shards. `weightsName` chooses among e.g. model.safetensors and adapter_model.safetensors.
 */
export async function openCheckpoint(opts: { dir: string; weightsName?: string }): Promise<Checkpoint> {
  const { dir } = opts
  const single = opts.weightsName ?? 'model.safetensors'
  const indexName = single.replace(/\.safetensors$/, '.safetensors.index.json')
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new GraftError(code === 'ENOENT' ? 'NOT_FOUND' : 'NOT_A_MODEL', `${dir} is not a readable folder.`, { file: dir, hint: 'Choose a folder that holds a model (config.json and *.safetensors).' })
  }
  let files: string[]
  let indexMap: Record<string, string> | null = null
  if (entries.includes(indexName)) {
    const indexPath = join(dir, indexName)
    const raw = await readJsonFile(indexPath, { code: 'BAD_INDEX' })
    const wm = (raw as { weight_map?: unknown }).weight_map
    if (!wm || typeof wm !== 'object' || Array.isArray(wm) || !Object.values(wm).every((v) => typeof v === 'string'))
      throw new GraftError('BAD_INDEX', `${indexPath} has no valid weight_map.`, { file: indexPath, hint: 'Regenerate the index or remove it if the folder holds a single model.safetensors.' })
    indexMap = wm as Record<string, string>
    for (const f of new Set(Object.values(indexMap))) {
      if (f.includes('/') || f.includes('\\') || f === '..') throw new GraftError('BAD_INDEX', `${indexPath} names a shard outside the folder: ${f}`, { file: indexPath })
    }
    files = [...new Set(Object.values(indexMap))].sort()
    for (const f of files) {
      if (!entries.includes(f))
        throw new GraftError('MISSING_SHARD', `${join(dir, f)} is listed in ${indexName} but missing.`, { file: join(dir, f), hint: 'Download or copy the missing shard into the folder.' })
    }
  } else if (entries.includes(single)) {
    files = [single]
  } else {
    const found = entries.filter((e) => e.endsWith('.safetensors')).sort()
    if (found.length === 0) {
      const pickles = entries.filter((e) => e.endsWith('.bin') || e.endsWith('.pt') || e.endsWith('.pth'))
      throw new GraftError('NOT_A_MODEL', `${dir} has no ${single}${pickles.length ? ` (only pickle files: ${pickles.join(', ')})` : ''}.`, {
        file: dir,
        hint: pickles.length ? 'Graft reads safetensors only; convert the pickle weights to safetensors first.' : 'Choose a folder that holds safetensors weights.',
      })
    }
    files = found
  }
  const headers = await Promise.all(files.map((f) => readSafetensorsHeader(join(dir, f))))
  const tensors = new Map<string, TensorRef>()
  const metadata: Record<string, string> = {}
  let totalBytes = 0
  for (const h of headers) {
    Object.assign(metadata, h.metadata ?? {})
    for (const t of h.tensors) {
      const prev = tensors.get(t.name)
      if (prev) throw new GraftError('BAD_INDEX', `Tensor "${t.name}" appears in both ${basename(prev.file)} and ${basename(h.file)}.`, { file: h.file, tensor: t.name, hint: 'The checkpoint is inconsistent; re-download it.' })
      tensors.set(t.name, { file: h.file, name: t.name, dtype: t.dtype, shape: t.shape, offset: h.dataStart + t.begin, byteLength: t.end - t.begin })
      totalBytes += t.end - t.begin
    }
  }
  if (indexMap) {
    for (const [name, f] of Object.entries(indexMap)) {
      const t = tensors.get(name)
      if (!t) throw new GraftError('BAD_INDEX', `${indexName} lists "${name}" in ${f}, but no shard holds it.`, { file: join(dir, f), tensor: name, hint: 'The index and shards disagree; re-download the checkpoint.' })
      if (basename(t.file) !== f) throw new GraftError('BAD_INDEX', `${indexName} puts "${name}" in ${f}, but it is in ${basename(t.file)}.`, { file: join(dir, indexName), tensor: name })
    }
    for (const name of tensors.keys()) {
      if (!(name in indexMap)) throw new GraftError('BAD_INDEX', `"${name}" is in ${basename(tensors.get(name)!.file)} but not in ${indexName}.`, { file: join(dir, indexName), tensor: name })
    }
  }
  return { dir, files: files.map((f) => join(dir, f)), headers, tensors, metadata, totalBytes }
}

/**
 * Reads and parses a JSON input file. It must be a regular file (a directory, pipe or looping link
 * of that name is refused with `code`, default BAD_CONFIG) of at most MAX_TEXT_INPUT_BYTES.
 */
export async function readJsonFile(path: string, opts: { code?: ErrorCode } = {}): Promise<unknown> {
  return parseJsonInput(path, await readInputText(path, { code: opts.code ?? 'BAD_CONFIG' }))
}

/** JSON.parse for an input file's text; a syntax error names the file and the place, never the text. */
export function parseJsonInput(path: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    const place = jsonErrorPlace(text)
    throw new GraftError('BAD_CONFIG', `${path} is not valid JSON${place ? ` (${place})` : ''}.`, { file: path, hint: 'Fix the JSON syntax in that file.' })
  }
}

/** Whether anything is at the path (a dangling or looping link counts: reading it then says what is wrong). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p)
    return true
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code !== 'ENOENT' && code !== 'ENOTDIR'
  }
}
