import { stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { ApiMethod, ApiMethods } from '../../shared/api'
import { GRAFT_VERSION } from '../../shared/version'
import { GraftError } from '../../core/errors'
import { hfCacheDir, repoIdFromFolder } from '../../core/library/find-hf-cache'
import { scanLibrary } from '../../core/library/scan-library'
import { summarizeModel } from '../../core/library/summarize-model'
import type { EntryOrigin } from '../../core/library/describe-folder'
import { planMerge } from '../../core/lora/plan-merge'
import { checkOutput } from '../../core/exec/check-output'
import { adapterDeltaNorms } from '../../core/lora/adapter-delta-norms'
import type { JobManager } from '../jobs/job-manager'
import { MAX_RECENT_FOLDERS, type SettingsStore } from '../settings/settings-store'
import { createHubHandlers } from '../hub/hub-handlers'
import { createSessionHubService, type HubService } from '../hub/hub-service'
import { createCompareHandlers } from '../compare/compare-handlers'
import { createCompareService, type CompareService } from '../compare/compare-service'

/** Everything the API needs from its host (Electron main or web mode). */
export interface ApiContext {
  mode: 'electron' | 'web'
  /** Absolute path of resources/demo. */
  demoDir: string
  settings: SettingsStore
  /** The job manager; its pool (`runner`), when given, also runs adapter.deltaNorms off this thread. */
  jobs: Pick<JobManager, 'start' | 'startPlan' | 'cancel' | 'list' | 'plan'> & Partial<Pick<JobManager, 'runner'>>
  /** A native folder dialog; web mode has none and returns null (the UI shows a path input). */
  pickFolder(): Promise<string | null>
  /**
   * Shows a folder in the system file manager (Electron: shell.openPath; web mode:
   * web/folder-opener.ts). Called only with an existing folder. Absent where there is none.
   */
  openFolder?: (path: string) => Promise<void>
  /** Why there is no openFolder (app.info passes it on for the button's tooltip). */
  openFolderNote?: string
  env?: NodeJS.ProcessEnv
  /** The Hub (token, offline switch, config), shared with the job manager; defaults to a session-only one. */
  hub?: HubService
  /** Tokenizer comparison (worker threads), shared with the job manager; defaults to one started on first use. */
  compare?: CompareService
}

/** Validated params in, result out; a thrown error becomes an ErrorInfo reply in dispatchRequest. */
export type ApiHandlers = { [M in ApiMethod]: (params: ApiMethods[M]['params']) => Promise<ApiMethods[M]['result']> }

/** The one handler table both transports (Electron IPC and the web-mode WebSocket) call. */
export function createHandlers(ctx: ApiContext): ApiHandlers {
  const env = ctx.env ?? process.env
  const demoDir = resolve(ctx.demoDir)
  const hub = ctx.hub ?? createSessionHubService({ settings: ctx.settings, env })
  let compare = ctx.compare
  /** Where an inspected path belongs, named as the Library names it (root folder name / subpath). */
  const locate = (path: string): { origin: EntryOrigin; repoId?: string; name: string } => {
    const under = (root: string) => {
      const sub = relative(root, path)
      return sub ? `${basename(root)}/${sub.split(sep).join('/')}` : basename(root)
    }
    if (isInside(demoDir, path)) return { origin: 'demo', name: under(demoDir) }
    const cache = resolve(hfCacheDir(env))
    if (isInside(cache, path)) {
      const parts = relative(cache, path).split(sep)
      const repoId = repoIdFromFolder(parts[0])
      // models--org--name/snapshots/<sha>/<sub...>
      if (repoId) return { origin: 'hf-cache', repoId, name: [repoId, ...parts.slice(3)].join('/') }
    }
    const root = ctx.settings.get().libraryFolders.find((f) => isInside(f, path))
    return { origin: 'folder', name: root ? under(root) : basename(path) }
  }
  return {
    async 'app.info'() {
      const canOpenFolders = Boolean(ctx.openFolder)
      return {
        version: GRAFT_VERSION,
        mode: ctx.mode,
        demoDir,
        outputsDir: env.GRAFT_OUTPUTS_DIR ? resolve(env.GRAFT_OUTPUTS_DIR) : join(homedir(), 'Graft', 'outputs'),
        platform: process.platform,
        offline: env.HF_HUB_OFFLINE === '1' || env.GRAFT_OFFLINE === '1',
        canOpenFolders,
        ...(!canOpenFolders ? { openFoldersNote: ctx.openFolderNote ?? 'Graft cannot open a file manager here.' } : {}),
        hfCacheDir: resolve(hfCacheDir(env)),
      }
    },
    async 'app.openFolder'({ path }) {
      const dir = await existingFolder(path)
      if (!ctx.openFolder)
        throw new GraftError('UNAVAILABLE', `Graft cannot open ${dir} in a file manager here. ${ctx.openFolderNote ?? ''}`.trim(), { file: dir, hint: 'Open the folder in your file manager yourself (the path can be copied from the page).' })
      await ctx.openFolder(dir)
      return { path: dir }
    },
    async 'paths.checkOutput'({ out, inputs }) {
      const c = checkOutput({ out, inputs, resourcesDir: resourcesDirOf(demoDir) })
      return { ok: c.problems.length === 0, ...c }
    },
    async 'library.list'(p) {
      const s = ctx.settings.get()
      return scanLibrary({ folders: p.folders ?? s.libraryFolders, includeHfCache: p.includeHfCache ?? s.includeHfCache, env, demoDir })
    },
    async 'library.addFolder'({ path }) {
      const st = await stat(path).catch(() => null)
      if (!st) throw new GraftError('NOT_FOUND', `${path} does not exist.`, { file: path, hint: 'Check the path and try again.' })
      if (!st.isDirectory()) throw new GraftError('NOT_A_MODEL', `${path} is a file, not a folder.`, { file: path, hint: 'Add the folder that holds the model files.' })
      const s = await ctx.settings.update((s) => {
        if (!s.libraryFolders.includes(path)) s.libraryFolders.push(path)
        s.recentFolders = [path, ...s.recentFolders.filter((f) => f !== path)].slice(0, MAX_RECENT_FOLDERS)
      })
      return { folders: s.libraryFolders }
    },
    async 'library.removeFolder'({ path }) {
      // The path of a library folder, or of an entry found inside one: that folder is removed.
      const s = await ctx.settings.update((s) => {
        const exact = s.libraryFolders.includes(path)
        s.libraryFolders = s.libraryFolders.filter((f) => (exact ? f !== path : !isInside(f, path)))
      })
      return { folders: s.libraryFolders }
    },
    async 'library.pickFolder'() {
      return { path: await ctx.pickFolder() }
    },
    async 'model.inspect'({ path }) {
      return summarizeModel({ path, ...locate(path) })
    },
    async 'merge.plan'(p) {
      return planMerge({ base: p.base, adapters: p.adapters, out: p.out, dtype: p.dtype, maxShardBytes: p.maxShardBytes })
    },
    async 'jobs.start'(req) {
      if (!('planId' in req)) return { id: ctx.jobs.start(req) }
      const { id, outDir } = await ctx.jobs.startPlan(req)
      // Remember where outputs go: the folder inputs offer recent folders first.
      {
        const folder = dirname(outDir)
        await ctx.settings
          .update((s) => {
            s.recentFolders = [folder, ...s.recentFolders.filter((f) => f !== folder)].slice(0, MAX_RECENT_FOLDERS)
          })
          .catch((e: unknown) => console.warn(`graft: could not remember ${folder}: ${(e as Error).message}`))
      }
      return { id }
    },
    async 'jobs.cancel'({ id }) {
      return { cancelled: ctx.jobs.cancel(id) }
    },
    async 'jobs.list'() {
      return ctx.jobs.list()
    },
    async 'library.folders'() {
      const s = ctx.settings.get()
      return { folders: s.libraryFolders, recent: s.recentFolders }
    },
    async 'vocab.table'({ path }) {
      // tokenizer.json parsing takes seconds for big vocabularies: done in the tokenizer worker.
      return (compare ??= createCompareService()).vocabTable({ path })
    },
    async 'jobs.plan'({ request }) {
      return ctx.jobs.plan(request)
    },
    async 'adapter.deltaNorms'({ path }) {
      return adapterDeltaNorms({ dir: path, runner: ctx.jobs.runner })
    },
    async 'tokens.preview'(p) {
      return (compare ??= createCompareService()).tokensPreview(p)
    },
    ...createHubHandlers(hub),
    ...createCompareHandlers(() => (compare ??= createCompareService())),
  }
}

/**
 * The absolute path of an existing plain folder, for app.openFolder: never a file (a file manager
 * would open or run it) and never a macOS bundle (a folder holding Contents/Info.plist, which the
 * Finder launches as an application). Throws NOT_FOUND or BAD_REQUEST with a message naming it.
 */
async function existingFolder(path: string): Promise<string> {
  const dir = resolve(path)
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null
    throw e
  })
  if (!st) throw new GraftError('NOT_FOUND', `${dir} does not exist.`, { file: dir, hint: 'It may have been moved or deleted; check the path.' })
  if (!st.isDirectory()) throw new GraftError('BAD_REQUEST', `${dir} is a file, not a folder: Graft opens only folders.`, { file: dir, hint: 'Open the folder that holds it instead.' })
  if (await stat(join(dir, 'Contents', 'Info.plist')).then((s) => s.isFile(), () => false))
    throw new GraftError('BAD_REQUEST', `${dir} is an application bundle: Graft opens only plain folders.`, { file: dir, hint: 'Open the folder that holds it instead.' })
  return dir
}

/** The app's resources folder (which holds demo/): no output may be written there. */
function resourcesDirOf(demoDir: string): string {
  return basename(dirname(demoDir)) === 'resources' ? dirname(demoDir) : demoDir
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel))
}
