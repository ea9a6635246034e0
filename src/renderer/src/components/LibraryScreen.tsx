import { useCallback, useEffect, useState } from 'react'
import type { AppInfo, JobInfo, LibraryEntry } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { call, errorInfoOf } from '../lib/api'
import { entryProblem } from '../lib/entry-problem'
import { formatBytes } from '../lib/format'
import { LIBRARY_SORTS, sortLibrary, type LibrarySort } from '../lib/sort-library'
import { AddFolder } from './AddFolder'
import { ErrorNote } from './ErrorNote'
import { LibraryTable } from './LibraryTable'
import { ModelDetails } from './ModelDetails'

type Notice = { text: string; jobs?: boolean } | null

/** Models, adapters and tokenizers from the demo, the user's folders and the Hugging Face cache. */
export function LibraryScreen({ info, jobs, onShowJobs, rescan = 0, onInspect, onMerge }: { info: AppInfo | null; jobs: JobInfo[]; onShowJobs: () => void; /** Changes when a job (a merge, a Hub download…) wrote files: scan again. */ rescan?: number; /** Opens an entry in the Inspect screen. */ onInspect?: (path: string) => void; /** Opens Merge with this adapter. */ onMerge?: (adapter: string) => void }) {
  const [entries, setEntries] = useState<LibraryEntry[] | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  const [notice, setNotice] = useState<Notice>(null)
  const [query, setQuery] = useState('')
  const [sort, setSort] = useState<LibrarySort>('found')
  /** Entry path -> the hash job started for it from this screen. */
  const [hashJobs, setHashJobs] = useState<Map<string, string>>(new Map())

  const refresh = useCallback(async () => {
    setLoading(true)
    setError(null)
    try {
      const list = await call('library.list', {})
      setEntries(list)
      setSelected((sel) => (sel && list.some((e) => e.path === sel && !e.error) ? sel : null))
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setLoading(false)
    }
  }, [])

  useEffect(() => {
    void refresh()
  }, [refresh])
  useEffect(() => {
    if (rescan > 0) void refresh()
  }, [rescan, refresh])

  const hash = async (entry: LibraryEntry) => {
    try {
      const { id } = await call('jobs.start', { kind: 'hash', params: { path: entry.path } })
      setHashJobs((m) => new Map(m).set(entry.path, id))
      setNotice({ text: `Hashing the files of ${entry.name}.`, jobs: true })
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  const redownload = async (entry: LibraryEntry) => {
    if (!entry.repoId) return
    try {
      await call('jobs.start', { kind: 'hub-download', params: { repo: entry.repoId } })
      setNotice({ text: `Downloading ${entry.repoId} again; the Library rescans when it is done.`, jobs: true })
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  const remove = async (entry: LibraryEntry) => {
    try {
      const { folders } = await call('library.removeFolder', { path: entry.path })
      setNotice({ text: `Removed ${entry.name} from the Library. ${folders.length === 1 ? '1 folder remains' : `${folders.length} folders remain`}; nothing was deleted from disk.` })
      await refresh()
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  const added = async (folder: string) => {
    setNotice({ text: `Added ${folder}.` })
    await refresh()
  }

  const active = new Set(jobs.filter((j) => j.state === 'running' || j.state === 'queued').map((j) => j.id))
  const hashing = new Set([...hashJobs].filter(([, id]) => active.has(id)).map(([path]) => path))
  const counts = entries ? countKinds(entries) : null
  const shown = entries ? sortLibrary(entries, query, sort) : []

  return (
    <section className="screen" aria-labelledby="library-title">
      <header className="screen-head">
        <div>
          <h1 id="library-title">Library</h1>
          <p className="subtle">
            {counts ? `${counts} · the built-in demo, your folders and the Hugging Face cache` : 'Scanning the built-in demo, your folders and the Hugging Face cache…'}
          </p>
        </div>
        <button type="button" className="btn" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Scanning…' : 'Refresh'}
        </button>
      </header>
      {entries && info?.hfCacheDir ? <p className="library-cache subtle">{cacheLine(entries, info.hfCacheDir)}</p> : null}
      <AddFolder mode={info?.mode ?? null} onAdded={added} onError={setError} />
      {notice ? (
        <div className="notice" role="status">
          <span>{notice.text}</span>
          {notice.jobs ? (
            <button type="button" className="link" onClick={onShowJobs}>
              Open Jobs
            </button>
          ) : null}
          <button type="button" className="link dismiss" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
      {entries === null ? (
        <p className="empty">{loading ? 'Scanning…' : 'The Library could not be loaded.'}</p>
      ) : entries.length === 0 ? (
        <div className="empty">
          <p>Nothing here yet.</p>
          <p className="subtle">Add a folder that holds a model (config.json and *.safetensors), a PEFT adapter (adapter_config.json) or a tokenizer — or a folder above several of them.</p>
        </div>
      ) : (
        <>
          <div className="library-tools" role="search">
            <input type="search" className="library-filter" aria-label="Filter the Library" placeholder="Filter by name, path, kind or architecture" value={query} onChange={(e) => setQuery(e.target.value)} />
            <label className="library-sort">
              Sort by
              <select value={sort} onChange={(e) => setSort(e.target.value as LibrarySort)}>
                {LIBRARY_SORTS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            {query.trim() ? (
              <span className="subtle" role="status">
                {shown.length} of {entries.length} shown
              </span>
            ) : null}
          </div>
          {shown.length ? (
            <LibraryTable entries={shown} selected={selected} hashing={hashing} onSelect={setSelected} onHash={hash} onRemove={remove} onInspect={onInspect} onMerge={onMerge} onRedownload={(e) => void redownload(e)} />
          ) : (
            <p className="empty">Nothing in the Library matches “{query.trim()}”.</p>
          )}
        </>
      )}
      {selected ? <ModelDetails key={selected} path={selected} onClose={() => setSelected(null)} onInspect={onInspect} /> : null}
    </section>
  )
}

function countKinds(entries: LibraryEntry[]): string {
  const n = (k: LibraryEntry['kind']) => entries.filter((e) => e.kind === k && !e.error).length
  const parts = [`${n('model')} model${n('model') === 1 ? '' : 's'}`, `${n('adapter')} adapter${n('adapter') === 1 ? '' : 's'}`, `${n('tokenizer')} tokenizer${n('tokenizer') === 1 ? '' : 's'}`]
  for (const p of ['incomplete download', 'no model', 'unreadable'] as const) {
    const k = entries.filter((e) => e.error && entryProblem(e) === p).length
    if (k) parts.push(p === 'incomplete download' ? `${k} incomplete download${k === 1 ? '' : 's'}` : p === 'no model' ? `${k} folder${k === 1 ? '' : 's'} with no model` : `${k} unreadable`)
  }
  return parts.join(', ')
}

/** The Hugging Face cache in one line: where it is looked for, its repos and their size on disk, or that there is none. */
function cacheLine(entries: LibraryEntry[], dir: string): string {
  const cached = entries.filter((e) => e.origin === 'hf-cache')
  if (cached.length === 0) return `HF cache · ${dir} · no models found there`
  const repos = new Set(cached.map((e) => e.repoId ?? e.path)).size
  const bytes = cached.reduce((a, e) => a + e.sizeBytes, 0)
  return `HF cache · ${dir} · ${repos} repo${repos === 1 ? '' : 's'} · ${formatBytes(bytes)}`
}
