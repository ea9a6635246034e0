import { useState } from 'react'
import type { JobInfo, PlannedJobRequest } from '../../../../shared/api'
import { Dialog } from '../flow/Dialog'
import type { Navigate } from '../flow/nav'
import { OperationFlow } from '../flow/OperationFlow'
import { PathField } from '../flow/PathField'
import { isAbsolutePath, suggestOutput } from '../flow/paths'
import { useLibrary } from '../flow/use-library'
import { useAppInfo } from '../../lib/app-info'

/** The untrained-row repair, opened from the truth table: its preflight plan starts at once. */
export function UntrainedFixDialog({ open, base, jobs, onClose, navigate }: { open: boolean; base: string; jobs: JobInfo[]; onClose: () => void; navigate: Navigate }) {
  return (
    <Dialog id="fix-dialog" open={open} title="Repair untrained rows" onClose={onClose} wide>
      <FixFlow base={base} jobs={jobs} navigate={(t) => (onClose(), navigate(t))} />
    </Dialog>
  )
}

function FixFlow(props: { base: string; jobs: JobInfo[]; navigate: Navigate }) {
  // The suggested output lies in the user's outputs folder, which app.info names.
  const info = useAppInfo()
  return info ? <FixFlowIn {...props} outputsDir={info.outputsDir} /> : <p className="subtle">Loading…</p>
}

function FixFlowIn({ base, jobs, navigate, outputsDir }: { base: string; jobs: JobInfo[]; navigate: Navigate; outputsDir: string }) {
  const lib = useLibrary(false)
  const [out, setOut] = useState(() => suggestOutput(base, 'fixed', outputsDir))
  const [strategy, setStrategy] = useState<'trained-mean' | 'mean'>('trained-mean')
  const build = (): PlannedJobRequest | string => {
    const o = out.trim()
    if (!isAbsolutePath(o)) return 'Choose an output folder: an absolute path (or one starting with ~/).'
    return { kind: 'untrained-fix', params: { base, out: o, strategy } }
  }
  return (
    <OperationFlow
      id="fix"
      jobs={jobs}
      build={build}
      autoPlan
      runLabel="Repair"
      onInspect={(path) => navigate({ screen: 'inspect', path })}
      form={
        <div className="form-grid">
          <p className="subtle span-2">
            Sets every untrained row of <span className="mono">{base}</span> to a mean of the trained rows, in a new folder; the input is not changed.
          </p>
          <PathField id="fix-out" label="Output folder" value={out} onChange={setOut} suggestions={lib.recent.map((r) => ({ value: r, label: 'recent folder' }))} />
          <div className="field">
            <label htmlFor="fix-strategy">New values</label>
            <select id="fix-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as 'trained-mean' | 'mean')}>
              <option value="trained-mean">Mean of the trained rows (recommended)</option>
              <option value="mean">Mean of all rows</option>
            </select>
          </div>
        </div>
      }
    />
  )
}
