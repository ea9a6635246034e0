import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { readInputText } from '../exec/read-input-file'
import { pathToFileURL } from 'node:url'
import { createRepo, repoExists, uploadFilesWithProgress } from '@huggingface/hub'
import type { JobProgress } from '../../shared/progress'
import { GRAFT_VERSION } from '../../shared/version'
import { GraftError } from '../errors'
import { checkRepoId, checkRevision } from './check-remote-names'
import { createHubFetch, hubCredentials, type HubConfig } from './hub-config'
import { toHubError } from './hub-error'

/** Folder depth Graft uploads; model folders are flat or one level deep. */
const MAX_DEPTH = 5
/** Progress events at least four times a second. */
const PROGRESS_INTERVAL_MS = 250

export interface UploadProgress extends JobProgress {
  /** The library's phase; 'creating' while the repo is created. */
  stage: 'creating' | 'preuploading' | 'hashing' | 'uploading' | 'committing' | 'done'
  files: { path: string; bytesTotal: number; fraction: number; state: 'queued' | 'hashing' | 'uploading' | 'done' }[]
}

export interface UploadModelOptions {
  config: HubConfig
  /** The model folder to publish. */
  dir: string
  /** owner/name on the Hub. */
  repo: string
  /** Create the repo when it does not exist. */
  create?: boolean
  /** Visibility of a created repo (an existing repo keeps its own). */
  private?: boolean
  branch?: string
  commitTitle?: string
  commitDescription?: string
  signal?: AbortSignal
  onProgress?: (p: UploadProgress) => void
  progressIntervalMs?: number
  fetchImpl?: typeof fetch
}

export interface UploadModelResult {
  repo: string
  created: boolean
  commitOid: string
  commitUrl: string
  files: string[]
  bytes: number
  /** True when Graft wrote the model card because the folder had no README.md. */
  cardGenerated: boolean
}

/** Hidden files and folders (.git, .cache, .DS_Store) and Graft's temporary outputs are never uploaded. */
function skipName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.incomplete') || name.endsWith('.tmp')
}

async function listUploadFiles(root: string, rel = '', depth = 0): Promise<{ path: string; abs: string; size: number }[]> {
  const out: { path: string; abs: string; size: number }[] = []
  if (depth > MAX_DEPTH) return out
  for (const e of (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (skipName(e.name)) continue
    const p = rel ? `${rel}/${e.name}` : e.name
    const abs = join(root, p)
    const s = await stat(abs).catch(() => null)
    if (!s) continue
    if (s.isDirectory()) out.push(...(await listUploadFiles(root, p, depth + 1)))
    else if (s.isFile()) out.push({ path: p, abs, size: s.size })
  }
  return out
}

/** A repo id inside a local path (a Hub cache snapshot), or the folder name: never the user's full local path. */
function publicName(path: string): string {
  const m = /models--([^/\\]+)/.exec(path)
  if (m) return m[1].split('--').join('/')
  return basename(path.replace(/[\\/]+$/, ''))
}

/**
 * The model card written when the folder has none: YAML metadata plus what Graft did, from
 * graft_provenance.json when present. Local paths are reduced to repo ids or folder names.
 */
export function modelCardFromProvenance(opts: { repo: string; provenance: Record<string, unknown> | null }): string {
  const p = opts.provenance
  const inputs = Array.isArray(p?.inputs) ? (p!.inputs as { role?: string; path?: string; weight?: number }[]) : []
  const base = inputs.find((i) => i.role === 'base' && typeof i.path === 'string')
  const baseRepo = base?.path && /models--/.test(base.path) ? publicName(base.path) : null
  const decisions = Array.isArray(p?.decisions) ? (p!.decisions as { message?: string }[]).map((d) => d.message).filter((m): m is string => typeof m === 'string') : []
  const lines = ['---', 'library_name: transformers', 'tags:', '- graft']
  if (p?.operation === 'merge') lines.push('- merge', '- lora')
  if (baseRepo) lines.push(`base_model: ${baseRepo}`)
  lines.push('---', '', `# ${opts.repo.split('/').pop()}`, '')
  if (p) {
    const version = typeof p.graft_version === 'string' ? ` ${p.graft_version}` : ''
    const when = typeof p.created === 'string' ? `, ${p.created.slice(0, 10)}` : ''
    lines.push(`This model was produced with Graft${version} (operation: ${String(p.operation ?? 'unknown')}${when}).`, '')
    if (inputs.length) {
      lines.push('Inputs:', '')
      for (const i of inputs) lines.push(`- ${i.role ?? 'input'}: \`${publicName(String(i.path ?? ''))}\`${typeof i.weight === 'number' && i.weight !== 1 ? ` (weight ${i.weight})` : ''}`)
      lines.push('')
    }
    if (decisions.length) {
      lines.push('Decisions Graft made:', '')
      for (const d of decisions) lines.push(`- ${d}`)
      lines.push('')
    }
    lines.push('`graft_provenance.json` records every tensor\'s recipe and the input hashes.', '')
  } else {
    lines.push(`Uploaded with Graft ${GRAFT_VERSION}. No graft_provenance.json was found, so this card does not say how the weights were made.`, '')
  }
  return lines.join('\n')
}

/**
 * Publishes a model folder to a Hub repo with @huggingface/hub's uploadFilesWithProgress (plain LFS,
 * useXet:false), creating the repo first when asked. A README.md in the folder is kept as is;
 * otherwise Graft writes a model card that records what it did. Progress follows the library's
 * phases; in Node the library reports each file at 0 and 1, so bytes move in file-sized steps.
 */
export async function uploadModel(opts: UploadModelOptions): Promise<UploadModelResult> {
  const started = Date.now()
  const { config, signal } = opts
  const repo = checkRepoId(opts.repo)
  if (!repo.includes('/')) throw new GraftError('BAD_REQUEST', `Upload to "${repo}" needs an owner: use owner/name.`)
  const branch = checkRevision(opts.branch ?? 'main')
  if (config.offline) {
    throw new GraftError('OFFLINE', `Graft is offline (${config.offlineReason ?? 'offline mode'}), so it cannot upload to ${repo}.`, { hint: 'Turn the offline switch off (and unset HF_HUB_OFFLINE) to publish.' })
  }
  const cred = hubCredentials(config)
  if (!cred.accessToken) throw new GraftError('PERMISSION_DENIED', `Uploading to ${repo} needs a Hugging Face token with write access.`, { hint: 'Sign in (or set HF_TOKEN) and try again.' })
  const dirStat = await stat(opts.dir).catch(() => null)
  if (!dirStat?.isDirectory()) throw new GraftError('NOT_FOUND', `${opts.dir} is not a folder.`, { file: opts.dir })
  const local = await listUploadFiles(opts.dir)
  if (local.length === 0) throw new GraftError('NOT_FOUND', `${opts.dir} has no files to upload.`, { file: opts.dir })

  const files: { path: string; content: Blob | URL; size: number }[] = local.map((f) => ({ path: f.path, content: pathToFileURL(f.abs), size: f.size }))
  let cardGenerated = false
  if (!local.some((f) => f.path === 'README.md')) {
    let provenance: Record<string, unknown> | null = null
    try {
      provenance = JSON.parse(await readInputText(join(opts.dir, 'graft_provenance.json'))) as Record<string, unknown>
    } catch {
      provenance = null
    }
    const card = new Blob([modelCardFromProvenance({ repo, provenance })])
    files.push({ path: 'README.md', content: card, size: card.size })
    cardGenerated = true
  }
  const bytesTotal = files.reduce((a, f) => a + f.size, 0)

  const fileState = new Map(files.map((f) => [f.path, { path: f.path, bytesTotal: f.size, fraction: 0, state: 'queued' as UploadProgress['files'][number]['state'] }]))
  let stage: UploadProgress['stage'] = 'creating'
  const snapshot = (): UploadProgress => {
    const list = [...fileState.values()]
    const uploading = list.reduce((a, f) => a + (f.state === 'uploading' || f.state === 'done' ? f.bytesTotal * f.fraction : 0), 0)
    const done = stage === 'done' ? bytesTotal : Math.min(bytesTotal, Math.round(uploading))
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? done / secs : 0
    return {
      phase: stage === 'done' ? 'done' : stage === 'committing' ? 'finalizing' : stage === 'hashing' ? 'hashing' : stage === 'creating' || stage === 'preuploading' ? 'planning' : 'tensors',
      stage,
      bytesDone: done,
      bytesTotal,
      tensorsDone: list.filter((f) => f.state === 'done').length,
      tensorsTotal: list.length,
      bytesPerSec: rate,
      etaSec: stage === 'done' ? 0 : rate > 0 ? (bytesTotal - done) / rate : null,
      current: list.find((f) => f.state === 'uploading' || f.state === 'hashing')?.path,
      files: list.map((f) => ({ ...f })),
    }
  }
  const emit = () => opts.onProgress?.(snapshot())
  const timer = opts.onProgress ? setInterval(emit, opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS) : null

  const fetch = createHubFetch({ config, signal, fetchImpl: opts.fetchImpl })
  const ctx = { token: config.token, repo, signal }
  let created = false
  try {
    emit()
    if (opts.create && !(await repoExists({ repo, hubUrl: config.endpoint, fetch, accessToken: cred.accessToken }))) {
      await createRepo({ repo, accessToken: cred.accessToken, hubUrl: config.endpoint, fetch, private: !!opts.private })
      created = true
    }
    signal?.throwIfAborted()
    const it = uploadFilesWithProgress({
      repo,
      accessToken: cred.accessToken,
      hubUrl: config.endpoint,
      branch,
      files: files.map((f) => ({ path: f.path, content: f.content })),
      commitTitle: opts.commitTitle ?? `Upload ${files.length} files with Graft`,
      commitDescription: opts.commitDescription,
      abortSignal: signal,
      useXet: false,
    })
    let res = await it.next()
    while (!res.done) {
      const ev = res.value
      if (ev.event === 'phase') {
        stage = ev.phase === 'uploadingLargeFiles' ? 'uploading' : ev.phase
        if (ev.phase === 'committing') for (const f of fileState.values()) if (f.state !== 'done') f.state = 'uploading'
      } else {
        const f = fileState.get(ev.path)
        if (f) {
          if (ev.state === 'hashing') {
            if (stage === 'uploading') stage = 'hashing'
            f.state = 'hashing'
          } else if (ev.state === 'uploading') {
            if (stage === 'hashing') stage = 'uploading'
            f.fraction = ev.progress
            f.state = ev.progress >= 1 ? 'done' : 'uploading'
          }
        }
      }
      emit()
      // The library attaches its abort listener only after its first event, so an abort during that
      // event would go unnoticed: stop pulling the generator (nothing is committed until we do).
      if (signal?.aborted) {
        await it.return(undefined).catch(() => undefined)
        signal.throwIfAborted()
      }
      res = await it.next()
    }
    const out = res.value
    if (!out?.commit?.oid) throw new GraftError('HUB', `The Hub did not confirm the commit to ${repo}.`)
    for (const f of fileState.values()) {
      f.state = 'done'
      f.fraction = 1
    }
    stage = 'done'
    emit()
    return { repo, created, commitOid: out.commit.oid, commitUrl: out.commit.url, files: files.map((f) => f.path), bytes: bytesTotal, cardGenerated }
  } catch (e) {
    const err = toHubError(e, { ...ctx, what: `The upload to ${repo}` })
    if (err instanceof GraftError && err.code === 'NOT_FOUND' && !opts.create) {
      throw new GraftError('NOT_FOUND', `${repo} does not exist on the Hub (or the token cannot see it).`, { hint: 'Create it first, or ask Graft to create it (--create).' })
    }
    throw err
  } finally {
    if (timer) clearInterval(timer)
  }
}
