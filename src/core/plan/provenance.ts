import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileEdit, Plan } from '../../shared/plan'
import { GRAFT_VERSION } from '../../shared/version'
import { inputKind, readInputText } from '../exec/read-input-file'

/** Adapter files up to this size are hashed while planning; larger ones are identified by header hash. */
const HASH_LIMIT_BYTES = 256 << 20

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

async function describeFile(path: string): Promise<Record<string, unknown>> {
  const s = await stat(path)
  if (s.size <= HASH_LIMIT_BYTES) return { path, size: s.size, sha256: await sha256File(path) }
  return { path, size: s.size, sha256: null, note: 'larger than the planning hash limit; see header_sha256' }
}

/**
 * Base weights can be many GB, so planning records their size and the sha256 of their header
 * (every tensor's name, dtype, shape and offsets) instead of hashing all the data.
 */
async function describeWeights(path: string): Promise<Record<string, unknown>> {
  const s = await stat(path)
  if (s.size <= HASH_LIMIT_BYTES) return { path, size: s.size, sha256: await sha256File(path) }
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(8)
    await fh.read(head, 0, 8, 0)
    const n = Number(head.readBigUInt64LE(0))
    const body = Buffer.alloc(Math.min(n, s.size - 8))
    await fh.read(body, 0, body.length, 8)
    return { path, size: s.size, sha256: null, header_sha256: createHash('sha256').update(head).update(body).digest('hex') }
  } finally {
    await fh.close()
  }
}

/** graft_provenance.json and a README section that record what Graft did, from which inputs. */
export async function provenanceFiles(opts: { plan: Plan; adapters: { dir: string; config: unknown }[]; baseReadme: string }): Promise<FileEdit[]> {
  const { plan } = opts
  const inputs: unknown[] = []
  for (const inp of plan.inputs) {
    const files: unknown[] = []
    try {
      for (const e of (await readdir(inp.path)).sort()) {
        if (!/\.(json|safetensors|model|txt|jinja)$/.test(e)) continue
        const p = join(inp.path, e)
        if ((await inputKind(p)).kind !== 'file') continue // never open a pipe, device or looping link
        if (inp.role === 'adapter' || e.endsWith('.json')) files.push(await describeFile(p))
        else files.push(await describeWeights(p))
      }
    } catch {
      /* inputs were validated while planning */
    }
    inputs.push({ ...inp, files })
  }
  const provenance = {
    tool: 'graft',
    graft_version: GRAFT_VERSION,
    created: new Date().toISOString(),
    operation: plan.operation,
    inputs,
    adapter_configs: opts.adapters.map((a) => ({ dir: a.dir, config: a.config })),
    decisions: plan.decisions,
    warnings: plan.warnings,
    tensors: plan.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, recipe: t.recipe, note: t.note })),
  }
  let readme = ''
  try {
    readme = await readInputText(opts.baseReadme)
  } catch {
    readme = ''
  }
  const lines = [
    '',
    '## Merged with Graft',
    '',
    `This model was produced by Graft ${GRAFT_VERSION} (${plan.operation}) from:`,
    '',
    ...plan.inputs.map((i) => `- ${i.role}: \`${i.path}\`${i.weight !== undefined && i.weight !== 1 ? ` (weight ${i.weight})` : ''}`),
    '',
    ...(plan.decisions.length ? ['Decisions:', '', ...plan.decisions.map((d) => `- ${d.message}`), ''] : []),
    'See `graft_provenance.json` for the full recipe of every tensor and the input hashes.',
    '',
  ]
  return [
    { kind: 'write', path: 'graft_provenance.json', content: JSON.stringify(provenance, null, 2) + '\n', reason: 'provenance: inputs, hashes, decisions and recipes' },
    { kind: 'write', path: 'README.md', content: (readme ? readme.trimEnd() + '\n' : '# Merged model\n') + lines.join('\n'), reason: 'model card with a section describing the merge' },
  ]
}
