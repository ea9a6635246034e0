import type { HubDownloadResult, HubFileProgress, HubJobProgress, HubUploadResult, JobRequest } from '../../shared/api'
import type { JobProgress } from '../../shared/progress'
import { GraftError } from '../../core/errors'
import type { HubConfig } from '../../core/hub/hub-config'
import { downloadSnapshot, type DownloadProgress } from '../../core/hub/download-snapshot'
import { uploadModel, type UploadProgress } from '../../core/hub/upload-model'

/** What the job manager needs to run Hub jobs: a fresh HubConfig per job (token, offline switch, endpoint). */
export interface HubJobDeps {
  config(): Promise<HubConfig>
}

export type HubJobRequest = Extract<JobRequest, { kind: 'hub-download' | 'hub-upload' }>

/** Files listed in a job's progress; a repo with thousands of files sends the active ones first. */
export const MAX_PROGRESS_FILES = 200

export function isHubJob(req: JobRequest): req is HubJobRequest {
  return req.kind === 'hub-download' || req.kind === 'hub-upload'
}

const RANK: Record<HubFileProgress['state'], number> = { downloading: 0, uploading: 0, hashing: 0, queued: 1, done: 2, cached: 3 }

function capFiles(files: HubFileProgress[]): { files: HubFileProgress[]; filesOmitted: number } {
  if (files.length <= MAX_PROGRESS_FILES) return { files, filesOmitted: 0 }
  const keep = new Set(
    files
      .map((f, i) => ({ f, i }))
      .sort((a, b) => RANK[a.f.state] - RANK[b.f.state] || a.i - b.i)
      .slice(0, MAX_PROGRESS_FILES)
      .map((x) => x.i),
  )
  return { files: files.filter((_, i) => keep.has(i)), filesOmitted: files.length - keep.size }
}

/** DownloadProgress → the job's progress: phase 'downloading' while bytes move. */
export function downloadJobProgress(p: DownloadProgress): HubJobProgress {
  const { files, stage, repo, sha: _sha, ...rest } = p
  // The overall speed averages over the whole call; a file still moving at its own pace cannot end sooner.
  const slowest = Math.max(0, ...files.filter((f) => f.state === 'downloading' && f.etaSec !== null).map((f) => f.etaSec as number))
  return {
    ...rest,
    etaSec: p.etaSec === null ? (slowest > 0 ? slowest : null) : Math.max(p.etaSec, slowest),
    phase: p.phase === 'tensors' ? 'downloading' : p.phase,
    stage,
    repo,
    ...capFiles(files.map((f) => ({ path: f.path, bytesDone: f.bytesDone, bytesTotal: f.bytesTotal, bytesPerSec: f.bytesPerSec, etaSec: f.etaSec, state: f.state }))),
  }
}

/** UploadProgress → the job's progress: phase 'uploading' while bytes move. */
export function uploadJobProgress(p: UploadProgress, repo: string): HubJobProgress {
  const { files, stage, ...rest } = p
  return {
    ...rest,
    phase: p.phase === 'tensors' ? 'uploading' : p.phase,
    stage,
    repo,
    ...capFiles(
      files.map((f) => ({
        path: f.path,
        bytesDone: Math.round(f.bytesTotal * f.fraction),
        bytesTotal: f.bytesTotal,
        bytesPerSec: 0,
        etaSec: null,
        state: f.state,
      })),
    ),
  }
}

/**
 * Runs a hub-download or hub-upload job in the main process (network and file I/O, no tensor
 * math, so no worker): the config is resolved when the job starts, the job's AbortSignal cancels
 * every request, and progress carries the per-file list.
 */
export async function runHubJob(
  req: HubJobRequest,
  hub: HubJobDeps | undefined,
  signal: AbortSignal,
  onProgress: (p: JobProgress) => void,
  log: string[],
): Promise<HubDownloadResult | HubUploadResult> {
  if (!hub) throw new GraftError('INTERNAL', 'This Graft process was started without Hub support, so it cannot run Hub jobs.')
  const config = await hub.config()
  const goneOffline = config.goneOffline
  if (!goneOffline) return runWith(req, config, signal, onProgress, log)
  // Switching Graft offline stops the job like a cancel (state 'cancelled'); partial files stay for a resume.
  const onOffline = () => log.push('stopped: Graft was switched offline')
  goneOffline.addEventListener('abort', onOffline, { once: true })
  try {
    return await runWith(req, config, AbortSignal.any([signal, goneOffline]), onProgress, log)
  } finally {
    goneOffline.removeEventListener('abort', onOffline)
  }
}

async function runWith(req: HubJobRequest, config: HubConfig, signal: AbortSignal, onProgress: (p: JobProgress) => void, log: string[]): Promise<HubDownloadResult | HubUploadResult> {
  if (req.kind === 'hub-download') {
    const p = req.params
    const res = await downloadSnapshot({ config, repo: p.repo, revision: p.revision, include: p.include, allowPickles: p.allowPickles, signal, onProgress: (d) => onProgress(downloadJobProgress(d)) })
    log.push(`${res.repo}@${res.revision} is commit ${res.sha}`)
    for (const s of res.skipped) log.push(`skipped ${s.path}: ${s.reason}`)
    const cached = res.files.filter((f) => f.state === 'cached').length
    log.push(`${res.files.length} file(s) in ${res.snapshotDir} (${cached} already cached, ${res.bytesDownloaded} bytes downloaded in ${res.seconds.toFixed(1)} s)${res.fromCache ? '; offline: served from the cache' : ''}`)
    return { repo: res.repo, revision: res.revision, sha: res.sha, path: res.snapshotDir, fileCount: res.files.length, bytesDownloaded: res.bytesDownloaded, skipped: res.skipped, fromCache: res.fromCache }
  }
  const p = req.params
  const res = await uploadModel({ config, dir: p.dir, repo: p.repo, create: p.create, private: p.private, signal, onProgress: (u) => onProgress(uploadJobProgress(u, p.repo)) })
  if (res.created) log.push(`created ${p.private ? 'private' : 'public'} repo ${res.repo}`)
  if (res.cardGenerated) log.push('wrote a model card (README.md) from graft_provenance.json')
  log.push(`committed ${res.files.length} file(s), ${res.bytes} bytes: ${res.commitUrl}`)
  return { repo: res.repo, created: res.created, commitOid: res.commitOid, commitUrl: res.commitUrl, fileCount: res.files.length, bytes: res.bytes, cardGenerated: res.cardGenerated }
}
