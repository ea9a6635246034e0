import type { JobRequest } from '../../shared/api'
import type { CompareCorpusProgress, CompareProgress, MetricsResult } from '../../shared/compare'
import type { JobProgress } from '../../shared/progress'
import { GraftError } from '../../core/errors'
import { repoIdFromFolder } from '../../core/library/find-hf-cache'
import type { CompareService } from './compare-service'

export type CompareJobRequest = Extract<JobRequest, { kind: 'compare-corpus' }>

export function isCompareJob(req: JobRequest): req is CompareJobRequest {
  return req.kind === 'compare-corpus'
}

/**
 * A short name for a tokenizer path: the repo id for a Hugging Face cache snapshot
 * (…/models--org--name/snapshots/<sha>[/sub] → org/name[/sub]), else the folder name.
 */
export function tokenizerDisplayName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean)
  if (parts.at(-1) === 'tokenizer.json' && parts.length > 1) parts.pop()
  for (let i = parts.length - 3; i >= 0; i--) {
    const repo = parts[i + 1] === 'snapshots' ? repoIdFromFolder(parts[i]) : null
    if (repo) return [repo, ...parts.slice(i + 3)].join('/')
  }
  return parts.at(-1) ?? path
}

export function compareJobTitle(req: CompareJobRequest): string {
  const name = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p
  const labels = req.params.tokenizers.map((p, i) => req.params.labels?.[i] ?? tokenizerDisplayName(p))
  return `Compare ${labels.join(' vs ')} on ${name(req.params.corpus)}`
}

/** The worker's CompareProgress as job progress: bytes read, files in tensorsDone/tensorsTotal (and filesDone/filesTotal). */
export function corpusJobProgress(p: CompareProgress, startedMs: number, now = Date.now()): CompareCorpusProgress {
  const secs = (now - startedMs) / 1000
  const rate = secs > 0 ? p.bytesDone / secs : 0
  return {
    phase: p.filesDone === p.filesTotal && p.bytesDone >= p.bytesTotal ? 'done' : 'stats',
    bytesDone: p.bytesDone,
    bytesTotal: p.bytesTotal,
    tensorsDone: p.filesDone,
    tensorsTotal: p.filesTotal,
    filesDone: p.filesDone,
    filesTotal: p.filesTotal,
    bytesPerSec: rate,
    etaSec: rate > 0 && p.bytesDone > 0 ? Math.max(0, (p.bytesTotal - p.bytesDone) / rate) : null,
    current: p.current,
  }
}

/** Runs a compare-corpus job in the compare service's job lane; the result is the MetricsResult. */
export async function runCompareJob(req: CompareJobRequest, compare: CompareService | undefined, signal: AbortSignal, onProgress: (p: JobProgress) => void, log: string[]): Promise<MetricsResult> {
  if (!compare) throw new GraftError('INTERNAL', 'Tokenizer comparison is not available in this process.', { hint: 'This is a bug in Graft: the job manager was built without the compare service.' })
  const started = Date.now()
  onProgress({ phase: 'planning', bytesDone: 0, bytesTotal: 0, tensorsDone: 0, tensorsTotal: 0, bytesPerSec: 0, etaSec: null, current: 'loading tokenizers' })
  let last: CompareProgress | null = null
  const { labels, ...params } = req.params
  const result = await compare.corpus(params, {
    signal,
    onProgress: (p) => {
      last = p
      onProgress(corpusJobProgress(p, started))
    },
  })
  // The core names a tokenizer by its folder; a Hub cache snapshot folder is a commit hash.
  result.tokenizers.forEach((t, i) => (t.name = labels?.[i] ?? tokenizerDisplayName(req.params.tokenizers[i] ?? t.path)))
  const bytes = result.total.bytes
  const done: CompareProgress = { bytesDone: (last as CompareProgress | null)?.bytesTotal ?? bytes, bytesTotal: (last as CompareProgress | null)?.bytesTotal ?? bytes, filesDone: result.files.length, filesTotal: result.files.length }
  onProgress({ ...corpusJobProgress(done, started), phase: 'done', etaSec: 0 })
  log.push(`${result.files.length} file(s), ${result.total.documents} document(s), ${result.total.characters} characters in ${(result.wallMs / 1000).toFixed(2)} s`)
  for (const p of result.problems) log.push(`problem: ${p}`)
  return result
}
