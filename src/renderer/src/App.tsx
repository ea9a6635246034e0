import { useEffect, useState } from 'react'
import type { AppInfo } from '../../shared/api'
import type { ErrorInfo } from '../../shared/errors'
import { call, errorInfoOf, getTransport } from './lib/api'
import type { ConnectionStatus } from './lib/ws-api'
import { useJobs } from './lib/use-jobs'
import { LibraryScreen } from './components/LibraryScreen'
import { JobsScreen } from './components/JobsScreen'
import { ErrorNote } from './components/ErrorNote'
import { HubScreen } from './features/hub/HubScreen'
import { InspectScreen } from './features/inspect/InspectScreen'
import { TokensScreen } from './features/tokens/TokensScreen'
import { MergeScreen } from './features/merge/MergeScreen'
import { CompareScreen } from './features/compare/CompareScreen'
import { useWorkbenchNav } from './features/flow/use-workbench-nav'
import { useNavShortcuts } from './lib/use-nav-shortcuts'
import { ShortcutsHelp } from './components/ShortcutsHelp'
import { SessionEnded } from './components/SessionEnded'
import { useKnownHubStatus } from './features/hub/hub-status'

type Screen = 'library' | 'jobs' | 'hub' | 'inspect' | 'tokens' | 'merge' | 'compare'

export function App() {
  const [screen, setScreen] = useState<Screen>('library')
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [infoError, setInfoError] = useState<ErrorInfo | null>(null)
  const [conn, setConn] = useState<ConnectionStatus>(() => getTransport().ws?.status() ?? 'open')
  const { jobs } = useJobs()
  // The Offline label follows the Hub screen's switch once the Hub status is known.
  const hubStatus = useKnownHubStatus()
  const running = jobs.filter((j) => j.state === 'running' || j.state === 'queued').length
  // Inspect, Tokens and Merge open each other prefilled; Ctrl/Cmd+1…9 (Alt+1…9 in a browser) or
  // "g" then a letter opens a screen; "?" shows the shortcuts.
  const { requests, navigate } = useWorkbenchNav(setScreen)
  const shortcuts = useNavShortcuts()
  // The Library rescans (the Hugging Face cache included) each time a job that writes a model (a
  // merge, tokens, resize, repair or a Hub download) finishes.
  const hubDownloads = jobs.filter((j) => j.state === 'done' && ['hub-download', 'merge', 'tokens-add', 'resize', 'untrained-fix'].includes(j.kind)).length

  useEffect(() => {
    call('app.info', {}).then(setInfo, (e) => setInfoError(errorInfoOf(e)))
    const ws = getTransport().ws
    if (!ws) return
    // The status may have changed between the first render and this effect.
    setConn(ws.status())
    return ws.onStatus(setConn)
  }, [])

  const nav = (id: Screen, label: string, badge?: number) => (
    <button type="button" className={screen === id ? 'nav-item active' : 'nav-item'} aria-current={screen === id ? 'page' : undefined} onClick={() => setScreen(id)}>
      <span>{label}</span>
      {badge ? (
        <span className="nav-badge" aria-label={`${badge} running`}>
          {badge}
        </span>
      ) : null}
    </button>
  )

  if (conn === 'unauthorized') return <SessionEnded />

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Screens">
        <div className="brand">
          <img className="brand-mark" src="./favicon.svg" alt="" width={26} height={26} />
          <span className="brand-name">Graft</span>
        </div>
        {nav('library', 'Library')}
        {nav('inspect', 'Inspect')}
        {nav('tokens', 'Tokens')}
        {nav('merge', 'Merge')}
        {nav('compare', 'Compare')}
        {nav('hub', 'Hub')}
        {nav('jobs', 'Jobs', running)}
        <div className="sidebar-foot">
          <button type="button" className="shortcuts-btn" onClick={() => shortcuts.setHelpOpen(true)} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">
            Keyboard shortcuts <kbd>?</kbd>
          </button>
          {info ? (
            <>
              <span>v{info.version}</span>
              <span>{info.mode === 'web' ? 'Web mode · 127.0.0.1' : 'Desktop'}</span>
              {(hubStatus?.offline ?? info.offline) ? <span className="sidebar-offline">Offline</span> : null}
            </>
          ) : null}
        </div>
      </nav>
      <main className="content">
        {conn !== 'open' ? (
          <div className="banner" role="status">
            {conn === 'connecting' ? 'Connecting to Graft…' : 'Lost the connection to Graft. Reconnecting… (is it still running? If it was restarted, open the new link it printed.)'}
          </div>
        ) : null}
        {infoError ? <ErrorNote error={infoError} /> : null}
        {/* Both stay mounted so switching screens keeps the Library's scan and selection. */}
        <div hidden={screen !== 'library'}>
          <LibraryScreen rescan={hubDownloads} info={info} onShowJobs={() => setScreen('jobs')} jobs={jobs} onInspect={(path) => navigate({ screen: 'inspect', path })} onMerge={(adapter) => navigate({ screen: 'merge', adapter })} />
        </div>
        <div hidden={screen !== 'inspect'}>
          <InspectScreen request={requests.inspect} jobs={jobs} navigate={navigate} active={screen === 'inspect'} />
        </div>
        <div hidden={screen !== 'tokens'}>
          <TokensScreen request={requests.tokens} jobs={jobs} navigate={navigate} active={screen === 'tokens'} />
        </div>
        <div hidden={screen !== 'merge'}>
          <MergeScreen request={requests.merge} jobs={jobs} navigate={navigate} active={screen === 'merge'} />
        </div>
        <div hidden={screen !== 'jobs'}>
          <JobsScreen jobs={jobs} />
        </div>
        <div hidden={screen !== 'compare'}>
          <CompareScreen request={requests.compare} jobs={jobs} active={screen === 'compare'} />
        </div>
        <div hidden={screen !== 'hub'}>
          <HubScreen info={info} jobs={jobs} active={screen === 'hub'} onShowLibrary={() => setScreen('library')} />
        </div>
      </main>
      <ShortcutsHelp nav={shortcuts} />
    </div>
  )
}
