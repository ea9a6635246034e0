import type { ErrorInfo } from '../../../shared/errors'
import { errorLabel } from '../lib/error-label'

/** An error as a user should read it: what went wrong, where, and what to do. */
export function ErrorNote({ error, compact = false }: { error: ErrorInfo; compact?: boolean }) {
  return (
    <div className={compact ? 'error-note compact' : 'error-note'} role={compact ? undefined : 'alert'}>
      <span className="error-code">{errorLabel(error.code)}</span>
      <span className="error-message">{error.message}</span>
      {error.hint ? <span className="error-hint">{error.hint}</span> : null}
    </div>
  )
}
