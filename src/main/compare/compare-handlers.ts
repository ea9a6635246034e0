import type { ApiMethod, ApiMethods } from '../../shared/api'
import type { CompareService } from './compare-service'

export type CompareMethod = Extract<ApiMethod, `compare.${string}`>
export type CompareHandlers = { [M in CompareMethod]: (params: ApiMethods[M]['params']) => Promise<ApiMethods[M]['result']> }

/**
 * The compare.* handlers: validated params straight to the compare worker (tokenizers load and
 * encode there, never on this thread). `service` is called lazily, so a host that never compares
 * starts no thread.
 */
export function createCompareHandlers(service: () => CompareService): CompareHandlers {
  return {
    async 'compare.text'(p) {
      return service().text(p)
    },
    async 'compare.vocabDiff'(p) {
      return service().vocabDiff(p)
    },
    async 'compare.vocabCsv'(p) {
      return service().vocabCsv(p)
    },
    async 'compare.chat'(p) {
      return service().chat(p)
    },
  }
}
