import { listModels } from '@huggingface/hub'
import type { HubModelSummary, HubSearchParams, HubSearchResult } from '../../shared/api'
import { GraftError } from '../errors'
import { createHubFetch, hubCredentials, type HubConfig } from './hub-config'
import { toHubError } from './hub-error'
import { toModelSummary } from './model-summary'

/** Page size when the caller gives none; the Hub caps pages at 500 and Graft at MAX_PAGE. */
export const DEFAULT_PAGE_SIZE = 20
/** Largest page Graft asks for: a UI list and a terminal both stay readable. */
export const MAX_PAGE = 100

export type ModelSort = NonNullable<HubSearchParams['sort']>

export interface SearchModelsOptions {
  config: HubConfig
  /** Free text matched against repo ids. */
  text?: string
  author?: string
  /** Every tag must match (e.g. `safetensors`, `text-generation`, `license:apache-2.0`). */
  tags?: string[]
  /** A library tag, e.g. `peft` for adapters or `transformers`; sent as one more tag filter. */
  library?: string
  task?: string
  /** Always descending, as the Hub sorts. */
  sort?: ModelSort
  /** Page size (1..MAX_PAGE). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
  signal?: AbortSignal
  /** Test hook: the fetch under the offline guard. */
  fetchImpl?: typeof fetch
}

export type { HubModelSummary, HubSearchResult as SearchModelsResult } from '../../shared/api'

/**
 * One page of Hub model search through @huggingface/hub's listModels. The library follows the
 * Hub's `Link: <…>; rel="next"` header itself; Graft reads that header through its fetch to hand
 * the UI a cursor, and starts the next call from it. A cursor must point at this endpoint's
 * /api/models, so a stale or forged cursor cannot redirect the token elsewhere.
 */
export async function searchModels(opts: SearchModelsOptions): Promise<HubSearchResult> {
  const { config } = opts
  const limit = opts.limit ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new GraftError('BAD_REQUEST', `The page size must be between 1 and ${MAX_PAGE} (got ${limit}).`)
  const searchBase = `${config.endpoint}/api/models?`
  if (opts.cursor !== undefined && !opts.cursor.startsWith(searchBase)) {
    throw new GraftError('BAD_REQUEST', 'The search cursor does not belong to this Hub endpoint.', { hint: 'Start the search again from the first page.' })
  }
  const hubFetch = createHubFetch({ config, signal: opts.signal, fetchImpl: opts.fetchImpl })
  let first = true
  let next: string | null = null
  const pagingFetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = first && opts.cursor ? opts.cursor : input
    first = false
    const res = await hubFetch(url, init)
    const link = res.headers.get('link')
    const m = link ? /<(https?:\/\/[^>]+)>;\s*rel="next"/.exec(link) : null
    next = m && m[1].startsWith(searchBase) ? m[1] : null
    return res
  }) as typeof fetch
  const tags = [...(opts.tags ?? []), ...(opts.library ? [opts.library] : [])]
  const models: HubModelSummary[] = []
  try {
    const it = listModels({
      ...hubCredentials(config),
      hubUrl: config.endpoint,
      fetch: pagingFetch,
      limit,
      sort: opts.sort,
      additionalFields: ['tags', 'library_name'],
      search: {
        ...(opts.text ? { query: opts.text } : {}),
        ...(opts.author ? { owner: opts.author } : {}),
        ...(opts.task ? { task: opts.task as never } : {}),
        ...(tags.length ? { tags } : {}),
      },
    })
    for await (const m of it) models.push(toModelSummary(m))
  } catch (e) {
    throw toHubError(e, { token: config.token, what: 'The model search', signal: opts.signal })
  }
  return { models, nextCursor: models.length < limit ? null : next }
}
