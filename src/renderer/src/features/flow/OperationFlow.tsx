import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { JobInfo, PlannedJobRequest } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import type { Plan } from '../../../../shared/plan'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { JobProgressView } from './JobProgressView'
import { OpenFolderButton } from './OpenFolderButton'
import { PlanView } from './PlanView'
import { ReplaceDialog } from './ReplaceDialog'
import { asPlannedResult, VerificationSummary } from './ResultView'

type Stage =
  | { step: 'form' }
  | { step: 'planning'; request: PlannedJobRequest }
  | { step: 'plan'; request: PlannedJobRequest; plan: Plan; planId: string }
  | { step: 'job'; request: PlannedJobRequest; plan: Plan; planId: string; jobId: string | null }

/** A reviewed plan: what the form asked, the plan shown, and its id for jobs.start. */
type Reviewed = { request: PlannedJobRequest; plan: Plan; planId: string }

const STEPS = ['Choose', 'Review plan', 'Run', 'Result'] as const

/** The first row a plan adds to the vocabulary (for the histogram's "new rows"), if it adds any. */
export function newRowsFrom(plan: Plan): number | undefined {
  return plan.tensors.find((t) => t.newRows)?.newRows?.from
}

export interface OperationFlowProps {
  /** Prefix of element ids; unique per flow. */
  id: string
  jobs: JobInfo[]
  /** The request from the form, or a sentence saying what to fix (with a hint saying what to do, when there is one). */
  build: () => PlannedJobRequest | string | { message: string; hint?: string }
  form: ReactNode
  runLabel: string
  /** Called with the output folder (and the first new row) for "Inspect output". */
  onInspect?: (path: string, newFrom?: number) => void
  /** Ask for the plan as soon as the flow mounts (the untrained-fix preflight). */
  autoPlan?: boolean
  /** Shown in the result stage beside "Inspect output". */
  resultExtra?: (outDir: string) => ReactNode
  /** "Use this output as the next base": back to the form, with the caller putting `outDir` in its base field. */
  onContinue?: (outDir: string) => void
  /** "Start over" after a run: the form moves its output on to a fresh folder name. */
  onStartOver?: (usedOutDir: string) => void
}

/** Enter in a one-line field of the form submits it (Review plan), as in a native form; not in a text area, a button or while composing. */
export function submitsOnEnter(e: { key: string; target: EventTarget | null; shiftKey: boolean; ctrlKey: boolean; altKey: boolean; metaKey: boolean; nativeEvent?: { isComposing?: boolean } }): boolean {
  if (e.key !== 'Enter' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey || e.nativeEvent?.isComposing) return false
  const t = e.target as { tagName?: string; type?: string } | null
  return t?.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'file', 'range', 'color'].includes(t.type ?? 'text')
}

/**
 * Every output-writing operation goes the same way: choose → review the plan (jobs.plan; nothing
 * written) → run (jobs.start; progress, cancel) → result (verification, Inspect output, Open
 * folder). The form stays mounted, so going back keeps what was typed.
 */
export function OperationFlow({ id, jobs, build, form, runLabel, onInspect, autoPlan, resultExtra, onContinue, onStartOver }: OperationFlowProps) {
  const [stage, setStage] = useState<Stage>({ step: 'form' })
  const [error, setError] = useState<ErrorInfo | null>(null)
  /** The form's request (or its complaint) when a form-stage error appeared: the error is shown only while the form still says the same. */
  const [errorFor, setErrorFor] = useState<string | null>(null)
  /** A run that would replace an existing output waits for the user's confirmation here. */
  const [replacing, setReplacing] = useState<Reviewed | null>(null)
  const headRef = useRef<HTMLHeadingElement>(null)
  const job = stage.step === 'job' && stage.jobId ? (jobs.find((j) => j.id === stage.jobId) ?? null) : null
  const ended = job !== null && job.state !== 'running' && job.state !== 'queued'
  const stepIndex = stage.step === 'form' ? 0 : stage.step === 'job' ? (ended ? 3 : 2) : 1

  useEffect(() => {
    if (stage.step !== 'form') headRef.current?.focus()
  }, [stage.step, ended])

  const review = async () => {
    setError(null)
    const req = build()
    setErrorFor(JSON.stringify(req))
    if (typeof req === 'string') {
      setError({ code: 'BAD_REQUEST', message: req })
      return
    }
    if ('message' in req) {
      setError({ code: 'BAD_REQUEST', message: req.message, ...(req.hint ? { hint: req.hint } : {}) })
      return
    }
    setStage({ step: 'planning', request: req })
    try {
      const { planId, plan } = await call('jobs.plan', { request: req })
      setStage({ step: 'plan', request: req, plan, planId })
    } catch (e) {
      setError(errorInfoOf(e))
      setStage({ step: 'form' })
    }
  }
  const reviewRef = useRef(review)
  reviewRef.current = review
  useEffect(() => {
    if (autoPlan) void reviewRef.current()
  }, [autoPlan])

  /** Runs the reviewed plan by its id (no second planning); `overwrite` only changes how it is written. */
  const run = async ({ request, plan, planId }: Reviewed, overwrite = false) => {
    setError(null)
    setStage({ step: 'job', request, plan, planId, jobId: null })
    try {
      const { id: jobId } = await call('jobs.start', overwrite ? { planId, overwrite } : { planId })
      setStage({ step: 'job', request, plan, planId, jobId })
    } catch (e) {
      setError(errorInfoOf(e))
      setStage({ step: 'plan', request, plan, planId })
    }
  }
  /** Run, but ask first when the plan says the output folder already holds a Graft output. */
  const runChecked = (reviewed: Reviewed) => {
    if (reviewed.plan.warnings.some((w) => w.code === 'OUTPUT_EXISTS')) setReplacing(reviewed)
    else void run(reviewed)
  }
  const blocked = stage.step === 'plan' && (stage.plan.errors?.length ?? 0) > 0
  const cancel = async (jobId: string) => {
    try {
      await call('jobs.cancel', { id: jobId })
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  /** After a cancelled or failed run: back to the same plan, or to the form. */
  const backButtons =
    stage.step === 'job' ? (
      <>
        <button type="button" className="btn" onClick={() => setStage({ step: 'plan', request: stage.request, plan: stage.plan, planId: stage.planId })}>
          Back to the plan
        </button>
        <button type="button" className="btn" onClick={() => setStage({ step: 'form' })}>
          Edit
        </button>
      </>
    ) : null

  return (
    <div className="flow">
      <ol className="stepper" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} className={i === stepIndex ? 'current' : i < stepIndex ? 'past' : undefined} aria-current={i === stepIndex ? 'step' : undefined}>
            <span className="step-n">{i + 1}</span>
            {s}
          </li>
        ))}
      </ol>
      <div hidden={stage.step !== 'form'} onChange={() => setError(null)} onKeyDown={(e) => submitsOnEnter(e) && (e.preventDefault(), void review())}>
        {form}
        {error && stage.step === 'form' && (errorFor === null || JSON.stringify(build()) === errorFor) ? <ErrorNote error={error} /> : null}
        <div className="flow-actions">
          <button type="button" className="btn primary" id={`${id}-review`} onClick={() => void review()}>
            Review plan
          </button>
          <span className="subtle">Nothing is written until you run the reviewed plan.</span>
        </div>
      </div>

      {stage.step === 'planning' ? (
        <section className="flow-stage" aria-labelledby={`${id}-stage`}>
          <h2 id={`${id}-stage`} ref={headRef} tabIndex={-1}>
            Planning…
          </h2>
          <p className="subtle">Reading configs and tensor headers{stage.request.kind === 'untrained-fix' ? ' and scanning the embedding rows' : ''}.</p>
        </section>
      ) : null}

      {stage.step === 'plan' ? (
        <section className="flow-stage" aria-labelledby={`${id}-stage`}>
          <div className="stage-head">
            <h2 id={`${id}-stage`} ref={headRef} tabIndex={-1}>
              Review the plan
            </h2>
            <div className="stage-actions">
              <button type="button" className="btn" onClick={() => setStage({ step: 'form' })}>
                ← Edit
              </button>
              <button type="button" className="btn primary" disabled={blocked} title={blocked ? 'Fix the problems listed in the plan first.' : undefined} onClick={() => runChecked(stage)}>
                {runLabel}
              </button>
            </div>
          </div>
          {error ? <ErrorNote error={error} /> : null}
          {error?.code === 'PLAN_STALE' ? (
            <div className="flow-actions">
              <button type="button" className="btn primary" onClick={() => void review()}>
                Review the plan again
              </button>
            </div>
          ) : null}
          <PlanView plan={stage.plan} />
          <div className="flow-actions end">
            <button type="button" className="btn" onClick={() => setStage({ step: 'form' })}>
              ← Edit
            </button>
            <button type="button" className="btn primary" disabled={blocked} onClick={() => runChecked(stage)}>
              {runLabel}
            </button>
          </div>
        </section>
      ) : null}

      {stage.step === 'job' ? (
        <section className="flow-stage" aria-labelledby={`${id}-stage`}>
          <div className="stage-head">
            <h2 id={`${id}-stage`} ref={headRef} tabIndex={-1}>
              {!job || !ended ? 'Running' : job.state === 'done' ? 'Result' : job.state === 'cancelled' ? 'Cancelled' : 'Failed'}
            </h2>
            <span className="subtle mono">{stage.plan.output.dir}</span>
          </div>
          {error ? <ErrorNote error={error} /> : null}
          {job ? <JobProgressView job={job} onCancel={() => void cancel(job.id)} /> : <p className="subtle">Starting the job…</p>}
          {job?.state === 'done'
            ? (() => {
                const result = asPlannedResult(job.result)
                return result ? (
                  <>
                    <VerificationSummary result={result} />
                    <div className="flow-actions">
                      {onInspect ? (
                        <button type="button" className="btn primary" onClick={() => onInspect(result.outDir, newRowsFrom(stage.plan))}>
                          Inspect output
                        </button>
                      ) : null}
                      <OpenFolderButton path={result.outDir} />
                      {resultExtra?.(result.outDir)}
                      {onContinue ? (
                        <button type="button" className="btn" onClick={() => (setStage({ step: 'form' }), onContinue(result.outDir))} title={`Start a new operation on ${result.outDir}`}>
                          Use this output as the next base
                        </button>
                      ) : null}
                      <button
                        type="button"
                        className="btn"
                        onClick={() => {
                          onStartOver?.(result.outDir)
                          setStage({ step: 'form' })
                        }}
                      >
                        Start over
                      </button>
                    </div>
                  </>
                ) : null
              })()
            : null}
          {job?.state === 'cancelled' ? (
            <>
              <p className="cancelled-note" role="status">
                Cancelled. Nothing was written to <span className="mono">{stage.plan.output.dir}</span>: the temporary folder beside it was removed.
              </p>
              <div className="flow-actions">
                {backButtons}
              </div>
            </>
          ) : null}
          {job?.state === 'failed' ? (
            <>
              {job.error ? <ErrorNote error={job.error} /> : null}
              <div className="flow-actions">
                {job.error?.code === 'OUTPUT_EXISTS' ? (
                  <button type="button" className="btn danger" onClick={() => setReplacing(stage)}>
                    Replace the existing folder and run again
                  </button>
                ) : null}
                {backButtons}
              </div>
            </>
          ) : null}
          {job && job.log.length > 0 && ended ? (
            <details className="job-log">
              <summary>Log ({job.log.length})</summary>
              <pre>{job.log.join('\n')}</pre>
            </details>
          ) : null}
        </section>
      ) : null}
      <ReplaceDialog
        plan={replacing?.plan ?? null}
        onClose={() => setReplacing(null)}
        onReplace={() => {
          const r = replacing
          setReplacing(null)
          if (r) void run(r, true)
        }}
      />
    </div>
  )
}
