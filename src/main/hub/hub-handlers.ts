import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ApiMethod, ApiMethods, HubBaseCandidate } from '../../shared/api'
import { GraftError } from '../../core/errors'
import { findHfCache } from '../../core/library/find-hf-cache'
import { modelDetails } from '../../core/hub/model-details'
import { rememberBaseModelChoice, resolveBaseModel } from '../../core/hub/resolve-base-model'
import { searchModels } from '../../core/hub/search-models'
import type { HubService } from './hub-service'

export type HubMethod = Extract<ApiMethod, `hub.${string}`>
export type HubHandlers = { [M in HubMethod]: (params: ApiMethods[M]['params']) => Promise<ApiMethods[M]['result']> }

/** adapter_config.json is a few hundred bytes; a bigger file is not one Graft reads. */
const MAX_ADAPTER_CONFIG_BYTES = 1 << 20

async function adapterBaseName(adapterDir: string): Promise<string> {
  const file = join(adapterDir, 'adapter_config.json')
  const st = await stat(file).catch(() => null)
  if (!st?.isFile()) throw new GraftError('NOT_A_MODEL', `${adapterDir} is not a PEFT adapter: it has no adapter_config.json.`, { file: adapterDir, hint: 'Choose an adapter folder.' })
  if (st.size > MAX_ADAPTER_CONFIG_BYTES) throw new GraftError('BAD_CONFIG', `${file} is too large to be an adapter config.`, { file })
  let cfg: unknown
  try {
    cfg = JSON.parse(await readFile(file, 'utf8'))
  } catch (e) {
    throw new GraftError('BAD_CONFIG', `${file} is not valid JSON (${(e as Error).message}).`, { file })
  }
  const name = (cfg as { base_model_name_or_path?: unknown } | null)?.base_model_name_or_path
  if (typeof name !== 'string' || name.trim() === '') {
    throw new GraftError('BAD_CONFIG', `${file} names no base model (base_model_name_or_path is empty).`, { file, hint: 'Choose the base model folder yourself.' })
  }
  return name.trim()
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false)
}

/**
 * The hub.* API methods. Search and model pages go to the Hub (or fail with OFFLINE before any
 * request); resolveBase reads only the disk. The token never appears in a result.
 */
export function createHubHandlers(hub: HubService): HubHandlers {
  // hub.search and hub.info given a requestId, so that hub.cancel can stop them.
  const inFlight = new Map<string, AbortController>()
  const cancellable = async <T>(requestId: string | undefined, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
    if (!requestId) return run(undefined)
    inFlight.get(requestId)?.abort()
    const c = new AbortController()
    inFlight.set(requestId, c)
    try {
      return await run(c.signal)
    } finally {
      if (inFlight.get(requestId) === c) inFlight.delete(requestId)
    }
  }
  return {
    async 'hub.status'(p) {
      return hub.status({ check: p?.check === true })
    },
    async 'hub.search'(p) {
      const config = await hub.config()
      return cancellable(p.requestId, (signal) => searchModels({ config, text: p.text?.trim() || undefined, author: p.author, tags: p.tags, library: p.library, sort: p.sort, limit: p.limit, cursor: p.cursor, signal }))
    },
    async 'hub.info'(p) {
      const config = await hub.config()
      return cancellable(p.requestId, (signal) => modelDetails({ config, repo: p.repo, revision: p.revision, signal }))
    },
    async 'hub.cancel'({ requestId }) {
      const c = inFlight.get(requestId)
      c?.abort()
      return { cancelled: c !== undefined }
    },
    async 'hub.setToken'({ token }) {
      return hub.setToken(token)
    },
    async 'hub.clearToken'() {
      return hub.clearToken()
    },
    async 'hub.setOffline'({ offline }) {
      return hub.setOffline(offline)
    },
    async 'hub.resolveBase'({ adapterDir }) {
      const name = await adapterBaseName(adapterDir)
      const config = await hub.config()
      const r = await resolveBaseModel({ name, cacheDir: config.cacheDir, adapterDir, choicesFile: hub.choicesFile })
      let remembered: HubBaseCandidate | null = r.remembered
      let candidates: HubBaseCandidate[] = r.candidates
      // A download the user chose that has since landed in the cache becomes that cache snapshot.
      if (remembered?.kind === 'download') {
        const repo = remembered.repo
        const hit = (await findHfCache({ dir: config.cacheDir })).repos.find((c) => c.repoId === repo)
        if (hit) {
          const cached: HubBaseCandidate = { kind: 'cache', repo, path: hit.snapshotDir, revision: hit.revision, fromRefsMain: hit.fromRefsMain, reason: 'downloaded from the Hub (your choice)' }
          await rememberBaseModelChoice({ choicesFile: hub.choicesFile, name, choice: cached })
          remembered = cached
          candidates = [cached, ...candidates.filter((c) => !(c.kind === 'download' && c.repo === repo) && !(c.kind === 'cache' && c.path === hit.snapshotDir))]
        }
      }
      return { adapterDir, name: r.name, repo: r.repo, remembered, candidates }
    },
    async 'hub.rememberBase'({ name, choice }) {
      if (choice && choice.kind !== 'download' && !(await isDir(choice.path))) {
        throw new GraftError('NOT_FOUND', `${choice.path} is not a folder.`, { file: choice.path, hint: 'Choose the folder that holds the base model (config.json and *.safetensors).' })
      }
      await rememberBaseModelChoice({ choicesFile: hub.choicesFile, name, choice })
      return { ok: true as const }
    },
  }
}
