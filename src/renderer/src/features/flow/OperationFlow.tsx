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
  | { step: 'plan'; request: PlannedJobRequest; plan: Plan }
  | { step: 'job'; request: PlannedJobRequest; plan: Plan; jobId: string | null }

const STEPS = ['Choose', 'Review plan', 'Run', 'Result'] as const

/** The first row a plan adds to the vocabulary (for the histogram's "new rows"), if it adds any. */
export function newRowsFrom(plan: Plan): number | undefined {
  return plan.tensors.find((t) => t.newRows)?.newRows?.from
}

export interface OperationFlowProps {
  /** Prefix of element ids; unique per flow. */
  id: string
  jobs: JobInfo[]
  /** The request from the form, or a sentence saying what to fix. */
  build: () => PlannedJobRequest | string
  form: ReactNode
  runLabel: string
  /** Called with the output folder (and the first new row) for "Inspect output". */
  onInspect?: (path: string, newFrom?: number) => void
  /** Ask for the plan as soon as the flow mounts (the untrained-fix preflight). */
  autoPlan?: boolean
  /** Shown in the result stage beside "Inspect output". */
  resultExtra?: (outDir: string) => ReactNode
  /** "Start over" after a run: the form moves its output on to a fresh folder name. */
  onStartOver?: (usedOutDir: string) => void
}

/**
 * Every output-writing operation goes the same way: choose → review the plan (jobs.plan; nothing
 * written) → run (jobs.start; progress, cancel) → result (verification, Inspect output, Open
 * folder). The form stays mounted, so going back keeps what was typed.
 */
export function OperationFlow({ id, jobs, build, form, runLabel, onInspect, autoPlan, resultExtra, onStartOver }: OperationFlowProps) {
  const [stage, setStage] = useState<Stage>({ step: 'form' })
  const [error, setError] = useState<ErrorInfo | null>(null)
  /** A run that would replace an existing output waits for the user's confirmation here. */
  const [replacing, setReplacing] = useState<{ request: PlannedJobRequest; plan: Plan } | null>(null)
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
    if (typeof req === 'string') {
      setError({ code: 'BAD_REQUEST', message: req })
      return
    }
    setStage({ step: 'planning', request: req })
    try {
      const plan = await call('jobs.plan', { request: req })
      setStage({ step: 'plan', request: req, plan })
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

  const run = async (request: PlannedJobRequest, plan: Plan) => {
    setError(null)
    setStage({ step: 'job', request, plan, jobId: null })
    try {
      const { id: jobId } = await call('jobs.start', request)
      setStage({ step: 'job', request, plan, jobId })
    } catch (e) {
      setError(errorInfoOf(e))
      setStage({ step: 'plan', request, plan })
    }
  }
  /** Run, but ask first when the plan says the output folder already holds a Graft output. */
  const runChecked = (request: PlannedJobRequest, plan: Plan) => {
    if (plan.warnings.some((w) => w.code === 'OUTPUT_EXISTS')) setReplacing({ request, plan })
    else void run(request, plan)
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
        <button type="button" className="btn" onClick={() => setStage({ step: 'plan', request: stage.request, plan: stage.plan })}>
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
      <div hidden={stage.step !== 'form'}>
        {form}
        {error && stage.step === 'form' ? <ErrorNote error={error} /> : null}
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
              <button type="button" className="btn primary" disabled={blocked} title={blocked ? 'Fix the problems listed in the plan first.' : undefined} onClick={() => runChecked(stage.request, stage.plan)}>
                {runLabel}
              </button>
            </div>
          </div>
          {error ? <ErrorNote error={error} /> : null}
          <PlanView plan={stage.plan} />
          <div className="flow-actions end">
            <button type="button" className="btn" onClick={() => setStage({ step: 'form' })}>
              ← Edit
            </button>
            <button type="button" className="btn primary" disabled={blocked} onClick={() => runChecked(stage.request, stage.plan)}>
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
                  <button type="button" className="btn danger" onClick={() => setReplacing({ request: stage.request, plan: stage.plan })}>
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
          if (r) void run({ ...r.request, params: { ...r.request.params, overwrite: true } } as PlannedJobRequest, r.plan)
        }}
      />
    </div>
  )
}
