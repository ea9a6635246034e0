import type { OutputVerification, PlannedJobResult } from '../../shared/api'
import type { Plan } from '../../shared/plan'
import type { JobProgress } from '../../shared/progress'
import { GraftError } from '../errors'
import { executePlan } from '../exec/execute-plan'
import { verifyOutput } from '../exec/verify-output'
import type { TaskRunner } from '../exec/worker-task'

export interface RunOperationOptions {
  plan: Plan
  runner: TaskRunner
  signal?: AbortSignal
  onProgress?: (p: JobProgress) => void
  /** Log lines: decisions are not repeated here; stale temp folders removed, verification notes. */
  onLog?: (line: string) => void
  /** Replace an existing output folder (an execution option: the plan is the same either way). */
  overwrite?: boolean
  /** Keep an output whose computed tensors hold NaN or ±Inf (reported, not refused). */
  allowNonFinite?: boolean
}

/** At most this many tensors are named in a NONFINITE message; the verification lists them all. */
const NAMED_TENSORS = 5

function listTensors(items: { tensor: string; rows: number }[]): string {
  const named = items.slice(0, NAMED_TENSORS).map((n) => `${n.tensor} (${n.rows} row${n.rows === 1 ? '' : 's'})`)
  return named.join(', ') + (items.length > NAMED_TENSORS ? ` and ${items.length - NAMED_TENSORS} more` : '')
}

/** The typed error for an output that did not verify; null when it may be kept. */
function verificationError(v: OutputVerification, plan: Plan, allowNonFinite: boolean): GraftError | null {
  const out = plan.output.dir
  if (v.mismatched.length)
    return new GraftError('VERIFY_FAILED', `The output did not read back as planned: ${v.mismatched.slice(0, NAMED_TENSORS).join(', ')}${v.mismatched.length > NAMED_TENSORS ? ' …' : ''} differ in name, dtype or shape. Nothing was written to ${out}.`, {
      file: out,
      tensor: v.mismatched[0],
      hint: 'This is a bug in Graft; please report it with the plan (--dry-run --json).',
    })
  if (v.nonFinite.length && !allowNonFinite)
    return new GraftError('NONFINITE', `The computed output holds NaN or infinite values: ${listTensors(v.nonFinite)}. Nothing was written to ${out}.`, {
      file: out,
      tensor: v.nonFinite[0].tensor,
      hint: 'Check the adapter (NaN/Inf values, a rank of 0, an extreme lora_alpha) or, for a cast to F16, values beyond ±65504. To keep such an output anyway, run it with --allow-nonfinite (allowNonFinite in the API).',
    })
  const { configVocabSize: cfg, embedRows: emb, headRows: head } = v.vocab
  if (!v.ok && !v.nonFinite.length)
    return new GraftError('VERIFY_FAILED', `The output's vocabulary sizes disagree (config ${cfg ?? '?'}, embedding ${emb ?? '?'} rows, head ${head ?? '?'} rows) although the base's agreed. Nothing was written to ${out}.`, {
      file: out,
      hint: 'This is a bug in Graft; please report it with the plan (--dry-run --json).',
    })
  return null
}

/**
 * Runs a reviewed plan: execute (temp folder, fsync) → verify the complete output in its temporary
 * folder (shapes, vocabulary sizes, NaN/Inf where Graft computed) → move it into place. A failed
 * verification throws (VERIFY_FAILED, or NONFINITE naming the tensors) and the output never
 * appears; with `allowNonFinite`, NaN/Inf is reported in the result instead. The one composition
 * of the app's jobs, the CLI, the benchmark and the golden-output script.
 */
export async function runOperation(opts: RunOperationOptions): Promise<PlannedJobResult> {
  const { plan, runner, signal, onLog } = opts
  let verification: OutputVerification | null = null
  const res = await executePlan({
    plan,
    runner,
    signal,
    onProgress: opts.onProgress,
    onLog,
    overwrite: opts.overwrite,
    verify: async (tmpDir) => {
      verification = await verifyOutput({ plan, runner, signal, dir: tmpDir })
      const err = verificationError(verification, plan, opts.allowNonFinite === true)
      if (err) throw err
    },
  })
  const v = verification as OutputVerification | null
  if (!v) throw new GraftError('INTERNAL', 'The output was not verified.')
  if (v.inheritedNonFinite.length) onLog?.(`warning: NaN/Inf already in the base, kept as it was: ${listTensors(v.inheritedNonFinite)}`)
  if (v.nonFinite.length) onLog?.(`warning: kept although it holds NaN/Inf (allowNonFinite): ${listTensors(v.nonFinite)}`)
  if (v.ok) onLog?.(`verified: ${v.tensors} tensors, vocab ${v.vocab.embedRows ?? '?'}, no NaN/Inf made in computed tensors`)
  return { outDir: res.outDir, bytesWritten: res.bytesWritten, seconds: res.seconds, decisions: plan.decisions, warnings: plan.warnings, verification: v }
}
