import { TOKEN_STORAGE_KEY } from '../lib/web-token'

/**
 * Shown instead of the workbench when web mode answers but refuses this tab's token: Graft was
 * restarted (each launch has a new token), or the page was opened without the link Graft printed.
 */
export function SessionEnded() {
  // A tab that kept a token was connected to an earlier Graft; one without was opened without its link.
  const restarted = sessionStorage.getItem(TOKEN_STORAGE_KEY) !== null
  return (
    <main className="session-ended" role="alert" aria-labelledby="session-ended-title">
      <div className="session-ended-card">
        <div className="brand">
          <img className="brand-mark" src="./favicon.svg" alt="" width={26} height={26} />
          <span className="brand-name">Graft</span>
        </div>
        <h1 id="session-ended-title">{restarted ? 'Graft was restarted' : 'Open Graft with its link'}</h1>
        <p>
          {restarted
            ? 'This tab belongs to an earlier run of Graft, so it can no longer reach the app.'
            : 'This tab was opened without the private link Graft printed (or with a launch link that was already used), so it cannot reach the app.'}{' '}
          Each start of Graft makes a new private link.
        </p>
        <p>
          <strong>Open the new link printed in the terminal</strong> where Graft runs: the line <span className="mono">Graft is running at http://127.0.0.1:…/#token=…</span>. You can paste it into this tab.
        </p>
        {restarted ? <p className="subtle">Jobs that were running in the earlier Graft were stopped when it exited; finished outputs are on disk.</p> : null}
      </div>
    </main>
  )
}
