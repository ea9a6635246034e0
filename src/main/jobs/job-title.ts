import type { JobRequest } from '../../shared/api'
import { operationTitle } from '../../core/ops/operations'
import { jobOperation } from '../../core/ops/job-operation'
import { compareJobTitle } from '../compare/compare-jobs'

/** One line naming a job for the job list. */
export function jobTitle(req: JobRequest): string {
  switch (req.kind) {
    case 'merge':
    case 'resize':
    case 'tokens-add':
    case 'untrained-fix':
      return operationTitle(jobOperation(req))
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
