import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Plan, TensorRef } from '../../shared/plan'

/** What identifies one input file's content without reading it: size, modification time, inode. */
export interface FileStamp {
  path: string
  size: string
  mtimeNs: string
  ino: string
}

/** Every file a plan reads: the files of its input folders (configs, tokenizer, adapter files) and every tensor's file. */
async function inputFiles(plan: Plan): Promise<string[]> {
  const files = new Set<string>()
  for (const input of plan.inputs) {
    const s = await stat(input.path).catch(() => null)
    if (s?.isDirectory()) {
      for (const e of await readdir(input.path, { withFileTypes: true })) {
        const p = join(input.path, e.name)
        if (e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => null))?.isFile())) files.add(p)
      }
    } else if (s?.isFile()) files.add(input.path)
  }
  const ref = (r: TensorRef | undefined | null) => r && files.add(r.file)
  for (const t of plan.tensors) {
    ref(t.source)
    for (const l of t.lora ?? []) (ref(l.a), ref(l.b))
    ref(t.dora?.magnitude)
    for (const b of t.biasTerms ?? []) ref(b.bias)
    for (const s of t.setRows ?? []) if ('tensor' in s.from) ref(s.from.tensor)
  }
  for (const s of plan.stats) ref(s.tensor)
  for (const f of plan.files) if (f.kind === 'copy') files.add(f.from)
  return [...files].sort()
}

async function stampOf(path: string): Promise<FileStamp | null> {
  const s = await stat(path, { bigint: true }).catch(() => null)
  return s ? { path, size: String(s.size), mtimeNs: String(s.mtimeNs), ino: String(s.ino) } : null
}

/** The stamps of every file the plan reads, taken when it is made (jobs.plan). */
export async function stampPlanInputs(plan: Plan): Promise<FileStamp[]> {
  const stamps = await Promise.all((await inputFiles(plan)).map(stampOf))
  return stamps.filter((s): s is FileStamp => s !== null)
}

/** What changed since the stamps were taken, one sentence per file; empty when nothing did. */
export async function changedInputs(stamps: FileStamp[]): Promise<{ path: string; change: string }[]> {
  const out: { path: string; change: string }[] = []
  for (const old of stamps) {
    const now = await stampOf(old.path)
    if (!now) out.push({ path: old.path, change: `${old.path} was removed or moved` })
    else if (now.ino !== old.ino) out.push({ path: old.path, change: `${old.path} was replaced by another file` })
    else if (now.size !== old.size) out.push({ path: old.path, change: `${old.path} changed size (${old.size} → ${now.size} bytes)` })
    else if (now.mtimeNs !== old.mtimeNs) out.push({ path: old.path, change: `${old.path} was modified` })
  }
  return out
}
