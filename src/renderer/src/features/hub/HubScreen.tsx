import { useEffect, useState } from 'react'
import type { AppInfo, JobInfo } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { errorInfoOf } from '../../lib/api'
import { HubAccount, setOffline } from './HubAccount'
import { HubErrorNote } from './hub-error'
import { HubModelPage } from './HubModelPage'
import { HubSearch, type SearchState } from './HubSearch'
import { useHubStatus } from './hub-status'
import './hub.css'

/**
 * The Hub screen: account and the offline switch, model search with filters and pagination, and
 * a model page with a file picker that downloads into the Hugging Face cache (the Library lists it).
 */
export function HubScreen({ info, jobs, active, onShowLibrary }: { info: AppInfo | null; jobs: JobInfo[]; active: boolean; onShowLibrary: () => void }) {
  // Nothing (not even the status check) until the screen is first opened.
  const [seen, setSeen] = useState(active)
  useEffect(() => {
    if (active) setSeen(true)
  }, [active])
  return seen ? <HubScreenBody info={info} jobs={jobs} onShowLibrary={onShowLibrary} /> : null
}

function HubScreenBody({ info, jobs, onShowLibrary }: { info: AppInfo | null; jobs: JobInfo[]; onShowLibrary: () => void }) {
  const { status } = useHubStatus()
  const [search, setSearch] = useState<SearchState>({ query: null, models: [], nextCursor: null })
  const [open, setOpen] = useState<string | null>(null)
  /** repo -> the download job started from its page, so coming back shows its progress. */
  const [downloads, setDownloads] = useState<Map<string, string>>(new Map())
  const [error, setError] = useState<ErrorInfo | null>(null)

  const goOnline = () => {
    setError(null)
    setOffline(false).catch((e) => setError(errorInfoOf(e)))
  }

  return (
    <section className="screen hub-screen" aria-labelledby="hub-title">
      <header className="screen-head">
        <div>
          <h1 id="hub-title">Hub</h1>
          <p className="subtle">
            Search the Hugging Face Hub and download into the Hugging Face cache, shared with Python’s huggingface_hub.
            {status ? (status.offline ? ' Offline: no network requests.' : status.signedIn ? ` Signed in as ${status.signedIn}.` : '') : ''}
          </p>
        </div>
      </header>
      <HubAccount mode={info?.mode ?? null} />
      {error ? <HubErrorNote error={error} /> : null}
      <div hidden={open !== null}>
        <HubSearch state={search} onState={setSearch} onOpen={setOpen} onGoOnline={goOnline} />
      </div>
      {open ? (
        <HubModelPage
          key={open}
          repo={open}
          jobs={jobs}
          downloadJob={downloads.get(open) ?? null}
          onDownloadJob={(id) => setDownloads((m) => new Map(m).set(open, id))}
          onBack={() => {
            const repo = open
            setOpen(null)
            // Back where the user was: the result they opened gets the focus again.
            requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`.hub-results button[data-repo="${CSS.escape(repo)}"]`)?.focus())
          }}
          onShowLibrary={onShowLibrary}
          onGoOnline={goOnline}
        />
      ) : null}
    </section>
  )
}
