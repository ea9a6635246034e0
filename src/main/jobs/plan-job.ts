import type { JobRequest, ResizeParams } from '../../shared/api'
import { GraftError } from '../../core/errors'
import type { Plan } from '../../shared/plan'
import type { TaskRunner } from '../../core/exec/worker-task'
import { planMerge } from '../../core/lora/plan-merge'
import { planResize, type InitStrategy } from '../../core/vocab/plan-resize'
import { planAddTokens } from '../../core/vocab/plan-add-tokens'
import { planUntrainedFix } from '../../core/vocab/plan-untrained-fix'
import { scanVocabRows } from '../../core/vocab/scan-vocab-rows'
import { readModelInfo } from '../../core/model/read-model-info'
import { compareJobTitle } from '../compare/compare-jobs'

export type PlannedRequest = Exclude<JobRequest, { kind: 'hash' | 'scan' | 'hub-download' | 'hub-upload' | 'compare-corpus' }>

export function jobTitle(req: JobRequest): string {
  switch (req.kind) {
    case 'merge':
      // The plan's own words ("Merge 1 adapter into <base>"), then where it goes.
      return `Merge ${req.params.adapters.length} adapter${req.params.adapters.length === 1 ? '' : 's'} into ${req.params.base} → ${req.params.out}`
    case 'resize':
      return `Resize vocabulary → ${req.params.out}`
    case 'tokens-add':
      return req.params.tokens.length ? `Add ${req.params.tokens.length} token${req.params.tokens.length === 1 ? '' : 's'} to ${req.params.base} → ${req.params.out}` : `Set special-token roles → ${req.params.out}`
    case 'untrained-fix':
      return `Repair untrained rows → ${req.params.out}`
    case 'scan':
      return `Scan rows of ${req.params.path}`
    case 'hash':
      return `Hash ${req.params.path}`
    case 'hub-download':
      return `Download ${req.params.repo}${req.params.revision ? `@${req.params.revision}` : ''} from the Hub`
    case 'hub-upload':
      return `Publish ${req.params.dir} to ${req.params.repo}`
    case 'compare-corpus':
      return compareJobTitle(req)
  }
}

function initOf(p: ResizeParams): InitStrategy {
  const init = p.init
  if (typeof init === 'object') return init
  if (init === 'mean-noise') return { kind: 'mean-noise', seed: p.seed ?? 0 }
  if (init === 'subtoken-mean') throw new GraftError('BAD_REQUEST', 'subtoken-mean needs the new tokens; use "add tokens", which tokenizes them with the old tokenizer.')
  return { kind: init }
}

/** The plan of any output-writing job: the preflight the UI shows and the job then executes. */
export async function planJob(req: PlannedRequest, runner: TaskRunner, signal?: AbortSignal): Promise<Plan> {
  switch (req.kind) {
    case 'merge':
      return planMerge({ base: req.params.base, adapters: req.params.adapters, out: req.params.out, dtype: req.params.dtype, maxShardBytes: req.params.maxShardBytes })
    case 'resize':
      return planResize({ base: req.params.base, out: req.params.out, newSize: req.params.newSize, padToMultipleOf: req.params.padToMultipleOf, init: initOf(req.params), allowShrink: req.params.allowShrink })
    case 'tokens-add':
      return (await planAddTokens({ base: req.params.base, out: req.params.out, tokens: req.params.tokens, init: req.params.init === 'mean-noise' ? { kind: 'mean-noise', seed: 0 } : req.params.init, padToMultipleOf: req.params.padToMultipleOf, mode: req.params.mode, force: req.params.force, roles: req.params.roles })).plan
    case 'untrained-fix': {
      const info = await readModelInfo(req.params.base)
      const scan = await scanVocabRows({ info, runner, signal })
      return planUntrainedFix({ base: req.params.base, out: req.params.out, embedRows: scan.untrainedEmbed, headRows: scan.untrainedHead, strategy: req.params.strategy })
    }
  }
}
