import { downloadFile, listFiles, modelInfo } from '@huggingface/hub'
import type { HubFileEntry, HubModelDetails } from '../../shared/api'
import { GraftError } from '../errors'
import { checkRepoId, checkRevision, isCommitSha, remotePathProblem } from './check-remote-names'
import { createHubFetch, hubCredentials, type HubConfig } from './hub-config'
import { toHubError } from './hub-error'
import { toModelSummary } from './model-summary'
import { isPickle } from './select-files'

/** adapter_config.json is a few hundred bytes; anything past this is not one Graft will parse. */
const MAX_ADAPTER_CONFIG_BYTES = 1 << 20

export type { HubFileEntry, HubModelDetails as ModelDetails } from '../../shared/api'

export interface ModelDetailsOptions {
  config: HubConfig
  repo: string
  revision?: string
  /** Read adapter_config.json of adapters to learn their base model (one small download). Default true. */
  readAdapterConfig?: boolean
  signal?: AbortSignal
  fetchImpl?: typeof fetch
}

function cardBaseModel(card: unknown): string | null {
  const b = (card as { base_model?: unknown } | undefined)?.base_model
  if (typeof b === 'string') return b
  if (Array.isArray(b) && typeof b[0] === 'string') return b[0]
  return null
}

/**
 * A model page: the Hub's info for one revision (sha, gated/private, tags, safetensors parameter
 * counts) and every file with its size and hashes, read through @huggingface/hub (modelInfo +
 * listFiles). For adapters the base model comes from adapter_config.json, fetched with one small
 * download.
 */
export async function modelDetails(opts: ModelDetailsOptions): Promise<HubModelDetails> {
  const { config } = opts
  const repo = checkRepoId(opts.repo)
  const revision = checkRevision(opts.revision ?? 'main')
  const fetch = createHubFetch({ config, signal: opts.signal, fetchImpl: opts.fetchImpl })
  const cred = hubCredentials(config)
  const ctx = { token: config.token, repo, signal: opts.signal }
  try {
    const info = await modelInfo({
      ...cred,
      name: repo,
      revision,
      hubUrl: config.endpoint,
      fetch,
      additionalFields: ['sha', 'safetensors', 'tags', 'library_name', 'cardData'],
    })
    const sha = typeof info.sha === 'string' ? info.sha : ''
    if (!isCommitSha(sha)) throw new GraftError('HUB', `The Hub did not return a commit sha for ${repo}@${revision}.`)
    const files: HubFileEntry[] = []
    for await (const e of listFiles({ ...cred, repo, revision: sha, recursive: true, hubUrl: config.endpoint, fetch })) {
      if (e.type !== 'file') continue
      files.push({
        path: e.path,
        size: e.lfs?.size ?? e.size,
        oid: e.oid ?? null,
        sha256: e.lfs?.oid ?? null,
        lfs: !!e.lfs,
        xet: !!e.xetHash,
        pickle: isPickle(e.path),
        unsafe: remotePathProblem(e.path),
      })
    }
    files.sort((a, b) => a.path.localeCompare(b.path))
    const isAdapter = files.some((f) => f.path === 'adapter_config.json')
    let adapterConfig: Record<string, unknown> | null = null
    let baseModel: string | null = null
    let baseModelSource: HubModelDetails['baseModelSource'] = null
    const adapterFile = files.find((f) => f.path === 'adapter_config.json')
    if (adapterFile && opts.readAdapterConfig !== false && adapterFile.size <= MAX_ADAPTER_CONFIG_BYTES) {
      const blob = await downloadFile({ ...cred, repo, path: 'adapter_config.json', revision: sha, hubUrl: config.endpoint, fetch, xet: false })
      if (blob) {
        try {
          const parsed = JSON.parse(await blob.text()) as unknown
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) adapterConfig = parsed as Record<string, unknown>
        } catch {
          adapterConfig = null
        }
      }
      const named = adapterConfig?.base_model_name_or_path
      if (typeof named === 'string' && named.trim() !== '') {
        baseModel = named.trim()
        baseModelSource = 'adapter_config'
      }
    }
    const card = (info as { cardData?: unknown }).cardData
    if (!baseModel && cardBaseModel(card)) {
      baseModel = cardBaseModel(card)
      baseModelSource = 'model_card'
    }
    const st = (info as { safetensors?: { parameters?: Record<string, number>; total?: number } }).safetensors
    const license = (card as { license?: unknown } | undefined)?.license
    const { id, ...summary } = toModelSummary(info)
    return {
      id,
      sha,
      revision,
      ...summary,
      license: typeof license === 'string' ? license : null,
      files,
      totalBytes: files.reduce((a, f) => a + f.size, 0),
      safetensorsBytes: files.filter((f) => f.path.endsWith('.safetensors')).reduce((a, f) => a + f.size, 0),
      parameters: st && typeof st.total === 'number' ? { total: st.total, byDtype: { ...(st.parameters ?? {}) } } : null,
      isAdapter,
      baseModel,
      baseModelSource,
      adapterConfig,
      hasPickles: files.some((f) => f.pickle),
    }
  } catch (e) {
    throw toHubError(e, ctx)
  }
}
