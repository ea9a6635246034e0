import { accessSync, constants, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, parse, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plan, PlanProblem, TensorRef } from '../../shared/plan'
import type { GraftOutputInfo } from '../../shared/api'

export type { GraftOutputInfo }

/** The provenance file every Graft output holds; only a folder with it may be replaced. */
export const PROVENANCE_FILE = 'graft_provenance.json'

/** Sizing an existing output for the replace confirmation stops after this many entries (a huge unrelated tree). */
const SIZE_WALK_MAX_ENTRIES = 20_000

/** Folders an output may never be or lie inside: the operating system's own. */
const SYSTEM_TREES_POSIX = ['/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr', '/proc', '/sys', '/dev', '/boot', '/run', '/System', '/private/etc', '/private/var/db']
/** Inside /usr, only /usr/local is the user's. */
const SYSTEM_TREE_EXCEPTIONS_POSIX = ['/usr/local']
/** Folders an output may not be, though it may lie inside them. */
const SYSTEM_ROOTS_POSIX = ['/', '/home', '/root', '/tmp', '/var', '/opt', '/mnt', '/media', '/srv', '/Users', '/Volumes', '/Applications', '/Library', '/private', '/private/tmp']
const SYSTEM_TREES_WIN = ['windows', 'program files', 'program files (x86)', 'programdata']

export interface OutputCheck {
  /** The output folder as the user gave it, made absolute. */
  out: string
  /** Something (a folder, a file, a link) is already at `out`. */
  exists: boolean
  /** The existing thing is a folder written by Graft (holds graft_provenance.json and model files). */
  graftOutput: GraftOutputInfo | null
  /** Problems that stop any run into `out`, overwrite or not. */
  problems: PlanProblem[]
}

/** A path's real form: the realpath of its nearest existing ancestor plus the rest, and that ancestor. */
export function realPathLoose(p: string): { real: string; existing: string; existingStat: Stats | null } {
  let cur = resolve(p)
  const rest: string[] = []
  for (;;) {
    let st: Stats | null = null
    try {
      st = statSync(cur)
    } catch {
      st = null
    }
    if (st) {
      let real = cur
      try {
        real = realpathSync.native(cur)
      } catch {
        /* keep the resolved form */
      }
      return { real: rest.length ? join(real, ...rest.reverse()) : real, existing: cur, existingStat: st }
    }
    const parent = dirname(cur)
    if (parent === cur) return { real: resolve(p), existing: cur, existingStat: null }
    rest.push(cur.slice(parent.length).replace(/^[\\/]+/, ''))
    cur = parent
  }
}

const idOf = (st: Stats) => `${st.dev}:${st.ino}`

/** dev:ino of an existing path and of every folder above its real path, up to the root. */
function chainIds(existingReal: string): Set<string> {
  const ids = new Set<string>()
  let cur = existingReal
  for (;;) {
    try {
      ids.add(idOf(statSync(cur)))
    } catch {
      /* unreadable: the string comparison still applies */
    }
    const parent = dirname(cur)
    if (parent === cur) return ids
    cur = parent
  }
}

const caseFold = process.platform === 'darwin' || process.platform === 'win32'
const norm = (p: string) => (caseFold ? p.toLowerCase() : p)
function within(child: string, parent: string): boolean {
  const r = relative(norm(parent), norm(child))
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && !parse(r).root)
}

/** The app's own resources folder (demo models, kernels): never an output. */
export function appResourcesDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.GRAFT_RESOURCES_DIR) return resolve(env.GRAFT_RESOURCES_DIR)
  try {
    const guess = fileURLToPath(new URL('../../../resources', import.meta.url))
    return existsSync(join(guess, 'demo')) ? guess : null
  } catch {
    return null
  }
}

/** Whether `real` is a folder of the operating system (or the app) that no output may be or lie in. */
function systemFolder(real: string, resources: string | null): string | null {
  if (resources) {
    const r = realPathLoose(resources).real
    if (within(real, r)) return `${r} is Graft's own resources folder`
  }
  if (process.platform === 'win32') {
    const p = parse(real)
    const tail = real.slice(p.root.length).toLowerCase()
    if (tail === '') return `${real} is the root of a drive`
    const top = tail.split(/[\\/]/)[0]
    if (SYSTEM_TREES_WIN.includes(top)) return `${real} is a Windows system folder`
    return null
  }
  if (SYSTEM_ROOTS_POSIX.includes(real)) return `${real} is a system folder`
  if (SYSTEM_TREE_EXCEPTIONS_POSIX.some((e) => within(real, e))) return null
  const tree = SYSTEM_TREES_POSIX.find((t) => within(real, t))
  if (tree) return `${real} lies in the system folder ${tree}`
  const home = homedir()
  if (home && norm(real) === norm(resolve(home))) return `${real} is your home folder`
  return null
}

/** Reads graft_provenance.json of a folder: its operation and time, or null when it is not a Graft output. */
export function readGraftOutput(dir: string): GraftOutputInfo | null {
  let prov: { tool?: unknown; operation?: unknown; created?: unknown; graft_version?: unknown }
  try {
    prov = JSON.parse(readFileSync(join(dir, PROVENANCE_FILE), 'utf8'))
  } catch {
    return null
  }
  if (!prov || prov.tool !== 'graft' || typeof prov.operation !== 'string') return null
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return null
  }
  // Provenance alone is not enough: a Graft output also holds its weights.
  if (!names.some((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json')) return null
  return { operation: prov.operation, created: typeof prov.created === 'string' ? prov.created : null, graftVersion: typeof prov.graft_version === 'string' ? prov.graft_version : null, bytes: folderBytes(dir) }
}

function folderBytes(dir: string): number {
  let total = 0
  let seen = 0
  const stack = [dir]
  while (stack.length && seen < SIZE_WALK_MAX_ENTRIES) {
    const d = stack.pop()!
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(d, { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      if (++seen > SIZE_WALK_MAX_ENTRIES) break
      const p = join(d, e.name)
      if (e.isDirectory()) stack.push(p)
      else if (e.isFile()) {
        try {
          total += lstatSync(p).size
        } catch {
          /* vanished */
        }
      }
    }
  }
  return total
}

/** Every folder a plan reads from: its inputs plus the folder of every tensor file and copied file. */
export function planInputPaths(plan: Plan): string[] {
  const paths = new Set<string>(plan.inputs.map((i) => i.path))
  const add = (r: TensorRef | null | undefined) => r && paths.add(dirname(r.file))
  for (const t of plan.tensors) {
    add(t.source)
    for (const l of t.lora ?? []) {
      add(l.a)
      add(l.b)
    }
    add(t.dora?.magnitude)
    for (const b of t.biasTerms ?? []) add(b.bias)
    for (const s of t.setRows ?? []) if ('tensor' in s.from) add(s.from.tensor)
  }
  for (const s of plan.stats) add(s.tensor)
  for (const f of plan.files) if (f.kind === 'copy') paths.add(dirname(f.from))
  return [...paths]
}

/**
 * Checks an output folder before anything is written: it must not be, hold or lie inside any
 * input (compared by real path AND by device+inode of the existing folders, so symlinks, bind
 * mounts, `..` and case-insensitive names cannot alias), must not be a system folder or the app's
 * resources, its nearest existing parent must be a writable folder, and anything already there
 * must be a Graft output (the only thing an overwrite may replace). Synchronous: a few stats.
 */
export function checkOutput(opts: { out: string; inputs: string[]; resourcesDir?: string | null }): OutputCheck {
  const out = resolve(opts.out)
  const problems: PlanProblem[] = []
  const o = realPathLoose(out)
  let outStat: Stats | null = null
  try {
    outStat = lstatSync(out)
  } catch {
    outStat = null
  }
  const exists = outStat !== null
  const outIds = o.existingStat ? chainIds(realPathLoose(o.existing).real) : new Set<string>()
  const outId = exists && o.existing === out && o.existingStat ? idOf(o.existingStat) : null
  for (const input of opts.inputs) {
    const inp = resolve(input)
    const i = realPathLoose(inp)
    if (!i.existingStat || i.existing !== inp) {
      // A missing input cannot be aliased by inode; compare real paths only.
      if (within(o.real, i.real) || within(i.real, o.real)) problems.push(overlap(out, inp, within(o.real, i.real) ? (norm(o.real) === norm(i.real) ? 'is' : 'inside') : 'contains'))
      continue
    }
    const inId = idOf(i.existingStat)
    const inside = within(o.real, i.real) || outIds.has(inId)
    const contains = within(i.real, o.real) || (outId !== null && chainIds(i.real).has(outId))
    if (inside || contains) {
      const same = (outId !== null && outId === inId) || norm(o.real) === norm(i.real)
      problems.push(overlap(out, inp, same ? 'is' : inside ? 'inside' : 'contains'))
    }
  }
  const sys = systemFolder(o.real, opts.resourcesDir === undefined ? appResourcesDir() : opts.resourcesDir)
  if (sys) problems.push({ code: 'OUTPUT_FORBIDDEN', message: `Graft will not write the output folder ${out}: ${sys}.`, file: out, hint: 'Choose a folder of your own, for example in your home folder.' })
  let graftOutput: GraftOutputInfo | null = null
  const overlaps = problems.some((p) => p.code === 'OUTPUT_OVERLAPS_INPUT')
  if (exists && overlaps) {
    // Already refused: whether the input looks like a Graft output does not matter.
  } else if (exists) {
    const st = o.existing === out ? o.existingStat : null
    if (!st || !st.isDirectory()) {
      problems.push({ code: 'OUTPUT_NOT_GRAFT', message: `${out} already exists and is ${st ? 'a file' : 'a broken link'}, not a Graft output; Graft never replaces it.`, file: out, hint: 'Choose another output folder.' })
    } else {
      graftOutput = readGraftOutput(out)
      if (!graftOutput) problems.push({ code: 'OUTPUT_NOT_GRAFT', message: `${out} already exists and is not a Graft output (it holds no ${PROVENANCE_FILE} beside model weights); Graft never replaces such a folder.`, file: out, hint: 'Choose another output folder (or a new name inside it).' })
    }
  } else if (o.existingStat && !o.existingStat.isDirectory()) {
    problems.push({ code: 'OUTPUT_PARENT_NOT_FOLDER', message: `Cannot create the output folder ${out}: ${o.existing} is a file, not a folder.`, file: out, hint: 'Choose an output folder whose parent is a folder.' })
  }
  if (!problems.some((p) => p.code === 'OUTPUT_PARENT_NOT_FOLDER' || p.code === 'OUTPUT_FORBIDDEN') && o.existingStat?.isDirectory()) {
    // The folder that will hold the output (or the nearest one that exists) must be writable.
    const holder = exists ? dirname(out) : o.existing
    try {
      accessSync(holder, constants.W_OK)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      const why = code === 'EROFS' ? 'it is on a read-only file system' : 'you have no permission to write there'
      problems.push({ code: 'PERMISSION_DENIED', message: `Cannot write the output folder ${out}: ${holder} is not writable (${why}).`, file: out, hint: 'Choose a folder you can write to.' })
    }
  }
  return { out, exists, graftOutput, problems }
}

function overlap(out: string, inp: string, how: 'is' | 'inside' | 'contains'): PlanProblem {
  const message =
    how === 'is'
      ? `The output folder ${out} is the input ${inp}; Graft never writes over its inputs.`
      : how === 'inside'
        ? `The output folder ${out} lies inside the input ${inp}; Graft never writes into its inputs.`
        : `The output folder ${out} contains the input ${inp}; Graft never writes over its inputs.`
  return { code: 'OUTPUT_OVERLAPS_INPUT', message, file: out, hint: 'Choose an output folder outside every input.' }
}

/** The problem that an existing Graft output raises when the run may not replace it. */
export function outputExistsProblem(check: OutputCheck): PlanProblem {
  const g = check.graftOutput
  const when = g?.created && !Number.isNaN(Date.parse(g.created)) ? `${new Date(g.created).toISOString().slice(0, 16).replace('T', ' ')} UTC` : null
  const what = g ? ` (a Graft ${g.operation} output${when ? ` written ${when}` : ''})` : ''
  return { code: 'OUTPUT_EXISTS', message: `${check.out} already exists${what}.`, file: check.out, hint: 'Choose a new output folder, or confirm that Graft may replace it.' }
}

/** The plan-time notes for an output: blocking problems as errors, an existing Graft output as a warning. */
export function planOutputNotes(outDir: string, plan: Pick<Plan, 'inputs' | 'tensors' | 'stats' | 'files'>): { errors: PlanProblem[]; warnings: { code: string; message: string }[] } {
  const check = checkOutput({ out: outDir, inputs: planInputPaths(plan as Plan) })
  const warnings = check.exists && check.graftOutput && check.problems.length === 0 ? [{ code: 'OUTPUT_EXISTS', message: `${outputExistsProblem(check).message} It is replaced only if you choose to replace it.` }] : []
  return { errors: check.problems, warnings }
}
