import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { useHubStatus } from './hub-status'

/** What to do about a Hub error when the app sent no hint of its own. */
const DEFAULT_HINTS: Partial<Record<ErrorInfo['code'], string>> = {
  OFFLINE: 'Graft is in offline mode and made no request. Turn the offline switch off under Account & network to use the Hub.',
  HUB: 'The Hub could not be reached or answered with an error. Check the network connection (or HF_ENDPOINT for a mirror) and try again.',
  PERMISSION_DENIED: 'Sign in with an access token under Account & network. For a gated model, accept its licence on the model page first; publishing needs a token with write access.',
  NOT_FOUND: 'Check the repo id and revision; private repos are visible only when signed in.',
}

/** A Hub error as a user should read it, with a hint for OFFLINE / HUB / PERMISSION_DENIED and a way back online. */
export function HubErrorNote({ error, onGoOnline }: { error: ErrorInfo; onGoOnline?: () => void }) {
  const { status } = useHubStatus()
  const hint = error.hint ?? DEFAULT_HINTS[error.code]
  const canGoOnline = error.code === 'OFFLINE' && onGoOnline && status && !status.offlineForced && status.offlineSwitch
  return (
    <div className="hub-error">
      <ErrorNote error={{ ...error, hint }} />
      {canGoOnline ? (
        <button type="button" className="btn small" onClick={onGoOnline}>
          Go online
        </button>
      ) : null}
    </div>
  )
}
