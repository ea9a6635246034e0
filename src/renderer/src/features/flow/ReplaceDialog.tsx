import { useEffect, useState } from 'react'
import type { OutputCheckResult } from '../../../../shared/api'
import type { Plan } from '../../../../shared/plan'
import { call, errorInfoOf } from '../../lib/api'
import { Dialog } from './Dialog'
import { describeGraftOutput } from './use-output'

/**
 * Asks before a run replaces an existing output folder: names the folder, its size and which
 * Graft operation wrote it, when. Only a Graft output can be replaced; anything else is refused.
 */
export function ReplaceDialog({ plan, onReplace, onClose }: { plan: Plan | null; onReplace: () => void; onClose: () => void }) {
  const [check, setCheck] = useState<OutputCheckResult | null>(null)
  const [failed, setFailed] = useState<string | null>(null)
  const out = plan?.output.dir ?? ''
  useEffect(() => {
    setCheck(null)
    setFailed(null)
    if (!plan) return
    let live = true
    call('paths.checkOutput', { out: plan.output.dir, inputs: plan.inputs.map((i) => i.path) }).then(
      (r) => live && setCheck(r),
      (e) => live && setFailed(errorInfoOf(e).message),
    )
    return () => {
      live = false
    }
  }, [plan])
  const what = check ? describeGraftOutput(check) : null
  return (
    <Dialog id="replace-dialog" open={plan !== null} title="Replace the existing folder?" onClose={onClose}>
      <p>
        <span className="mono">{out}</span>
        {what ? <> holds {what}.</> : check && !check.exists ? ' no longer exists: running writes it new.' : null}
      </p>
      {what ? <p>It will be deleted and replaced by the new result once the run completes. This cannot be undone.</p> : null}
      {check && check.problems.length ? <p className="field-error">{check.problems[0].message}</p> : null}
      {failed ? <p className="field-error">{failed}</p> : null}
      {!check && !failed ? <p className="subtle">Checking the folder…</p> : null}
      <div className="flow-actions end">
        <button type="button" className="btn" onClick={onClose}>
          Keep it
        </button>
        <button type="button" className="btn danger" id="replace-confirm" disabled={!check || check.problems.length > 0} onClick={onReplace}>
          {check && !check.exists ? 'Run' : 'Replace and run'}
        </button>
      </div>
    </Dialog>
  )
}
