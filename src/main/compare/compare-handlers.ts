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
  /** The running compare.text of each session: a newer one of the same session cancels it. */
  const running = new Map<string, AbortController>()
  return {
    async 'compare.text'(p) {
      if (p.session === undefined) return service().text(p)
      const key = p.session
      running.get(key)?.abort()
      const own = new AbortController()
      running.set(key, own)
      try {
        return await service().text(p, own.signal)
      } finally {
        if (running.get(key) === own) running.delete(key)
      }
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
