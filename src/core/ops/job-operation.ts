import type { PlannedJobRequest, ResizeParams } from '../../shared/api'
import { GraftError } from '../errors'
import type { InitStrategy } from '../vocab/plan-resize'
import type { OperationRequest } from './operations'

function initOf(p: ResizeParams): InitStrategy {
  const init = p.init
  if (typeof init === 'object') return init
  if (init === 'mean-noise') return { kind: 'mean-noise', seed: p.seed ?? 0 }
  if (init === 'subtoken-mean') throw new GraftError('BAD_REQUEST', 'subtoken-mean needs the new tokens; use "add tokens", which tokenizes them with the old tokenizer.')
  return { kind: init }
}

/** The engine request of an app job (jobs.plan): the API's params mapped onto the planners'. */
export function jobOperation(req: PlannedJobRequest): OperationRequest {
  switch (req.kind) {
    case 'merge': {
      const { base, adapters, out, dtype, maxShardBytes } = req.params
      return { kind: 'merge', params: { base, adapters, out, dtype, maxShardBytes } }
    }
    case 'resize': {
      const p = req.params
      return { kind: 'resize', params: { base: p.base, out: p.out, newSize: p.newSize, padToMultipleOf: p.padToMultipleOf, init: initOf(p), allowShrink: p.allowShrink } }
    }
    case 'tokens-add': {
      const p = req.params
      return { kind: 'tokens-add', params: { base: p.base, out: p.out, tokens: p.tokens, init: p.init === 'mean-noise' ? { kind: 'mean-noise', seed: 0 } : p.init, padToMultipleOf: p.padToMultipleOf, mode: p.mode, force: p.force, roles: p.roles } }
    }
    case 'untrained-fix':
      return { kind: 'untrained-fix', params: { base: req.params.base, out: req.params.out, strategy: req.params.strategy } }
  }
}
