import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { HubModelSummary, HubSearchParams } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { formatCount } from '../../lib/format'
import { HubErrorNote } from './hub-error'
import { useKnownHubStatus } from './hub-status'

export type SortKey = NonNullable<HubSearchParams['sort']>

const SORTS: [SortKey, string][] = [
  ['downloads', 'Most downloads'],
  ['likes', 'Most likes'],
  ['lastModified', 'Recently updated'],
  ['trendingScore', 'Trending'],
]
const LIBRARIES: [string, string][] = [
  ['', 'Any'],
  ['safetensors', 'safetensors weights'],
  ['peft', 'PEFT adapters'],
  ['transformers', 'transformers'],
]
const PAGE = 20

export interface SearchState {
  query: HubSearchParams | null
  models: HubModelSummary[]
  nextCursor: string | null
}

/** Search form (text, author, library, tags, sort) and paginated results; the state lives in the Hub screen. */
export function HubSearch({ state, onState, onOpen, onGoOnline }: { state: SearchState; onState: (s: SearchState) => void; onOpen: (repo: string) => void; onGoOnline: () => void }) {
  const [text, setText] = useState('')
  const [author, setAuthor] = useState('')
  const [library, setLibrary] = useState('')
  const [tags, setTags] = useState('')
  const [sort, setSort] = useState<SortKey>('downloads')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [cancelled, setCancelled] = useState(false)
  /** The requestId of the search in flight, so Cancel can stop it (hub.cancel). */
  const inFlight = useRef<string | null>(null)
  const offline = useKnownHubStatus()?.offline ?? false

  // A network error that advised going offline is stale once Graft is offline.
  useEffect(() => {
    if (offline) setError((e) => (e && (e.code === 'HUB' || e.code === 'CANCELLED') ? null : e))
  }, [offline])

  const run = async (query: HubSearchParams, more: boolean) => {
    const requestId = `search-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`
    inFlight.current = requestId
    setBusy(true)
    setError(null)
    setCancelled(false)
    try {
      const r = await call('hub.search', { ...(more ? { ...query, cursor: state.nextCursor ?? undefined } : query), requestId })
      onState({ query, models: more ? [...state.models, ...r.models] : r.models, nextCursor: r.nextCursor })
    } catch (e) {
      const info = errorInfoOf(e)
      if (info.code === 'CANCELLED' && inFlight.current === null) setCancelled(true)
      else setError(info)
      // A failed search has no results to speak of ("No models match" would be wrong).
      if (!more) onState({ query: null, models: [], nextCursor: null })
    } finally {
      if (inFlight.current === requestId) inFlight.current = null
      setBusy(false)
    }
  }

  const cancel = () => {
    const requestId = inFlight.current
    inFlight.current = null
    if (requestId) void call('hub.cancel', { requestId }).catch(() => {})
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const tagList = tags
      .split(/[\s,]+/)
      .map((t) => t.trim())
      .filter(Boolean)
    const q: HubSearchParams = { sort, limit: PAGE }
    if (text.trim()) q.text = text.trim()
    if (author.trim()) q.author = author.trim()
    if (library) q.library = library
    if (tagList.length) q.tags = tagList
    void run(q, false)
  }

  return (
    <section className="hub-card hub-search" aria-labelledby="hub-search-title">
      <h2 id="hub-search-title">Search models</h2>
      <form role="search" className="hub-search-form" onSubmit={submit} aria-label="Search the Hub">
        <div className="hub-field grow">
          <label htmlFor="hub-q">Name</label>
          <input id="hub-q" type="search" placeholder="e.g. llama, qwen, lora" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </div>
        <div className="hub-field">
          <label htmlFor="hub-author">Author</label>
          <input id="hub-author" type="text" placeholder="any" value={author} onChange={(e) => setAuthor(e.target.value)} spellCheck={false} autoComplete="off" />
        </div>
        <div className="hub-field">
          <label htmlFor="hub-library">Library</label>
          <select id="hub-library" value={library} onChange={(e) => setLibrary(e.target.value)}>
            {LIBRARIES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div className="hub-field">
          <label htmlFor="hub-tags">Tags</label>
          <input id="hub-tags" type="text" placeholder="e.g. text-generation" value={tags} onChange={(e) => setTags(e.target.value)} spellCheck={false} autoComplete="off" />
        </div>
        <div className="hub-field">
          <label htmlFor="hub-sort">Sort</label>
          <select id="hub-sort" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            {SORTS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn primary" disabled={busy}>
          {busy && !state.models.length ? 'Searching…' : 'Search'}
        </button>
        {busy ? (
          <button type="button" className="btn" onClick={cancel}>
            Cancel
          </button>
        ) : null}
      </form>
      {error ? <HubErrorNote error={error} onGoOnline={onGoOnline} /> : null}
      {cancelled ? <p className="subtle" role="status">Search cancelled.</p> : null}
      {state.query && !error && !cancelled && state.models.length === 0 && !busy ? <p className="empty">No models match.</p> : null}
      {state.models.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="hub-results">
              <caption className="sr-only">Search results</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Library · task</th>
                  <th scope="col" className="num">
                    Downloads
                  </th>
                  <th scope="col" className="num">
                    Likes
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {state.models.map((m) => (
                  <tr key={m.id} onClick={(ev) => !(ev.target as HTMLElement).closest('button') && onOpen(m.id)}>
                    <th scope="row" className="name-cell">
                      <div className="name-line">
                        <button type="button" className="entry-name" data-repo={m.id} onClick={() => onOpen(m.id)}>
                          {m.id}
                        </button>
                        {m.private ? <span className="hub-badge hub-badge-private">private</span> : null}
                        {m.gated ? <span className="hub-badge hub-badge-gated">gated</span> : null}
                      </div>
                    </th>
                    <td>{[m.libraryName, m.task].filter(Boolean).join(' · ') || '—'}</td>
                    <td className="num">{formatCount(m.downloads)}</td>
                    <td className="num">{formatCount(m.likes)}</td>
                    <td>{m.lastModified ? m.lastModified.slice(0, 10) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <span className="subtle">
              {state.models.length} model{state.models.length === 1 ? '' : 's'}
              {state.nextCursor ? '' : ' · end of results'}
            </span>
            {state.nextCursor && state.query ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void run(state.query!, true)}>
                {busy ? 'Loading…' : 'Load more'}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  )
}
