import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

/** Recent folders remembered for the folder input. */
export const MAX_RECENT_FOLDERS = 10

const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean(),
})

const settingsSchema = z.object({
  version: z.literal(1),
  libraryFolders: z.array(z.string()).default([]),
  recentFolders: z.array(z.string()).default([]),
  includeHfCache: z.boolean().default(true),
  window: windowStateSchema.nullable().default(null),
  /** The Hub screen's offline switch (HF_HUB_OFFLINE=1 forces offline whatever this says). Absent means online. */
  hubOffline: z.boolean().optional(),
})

export type Settings = z.infer<typeof settingsSchema>
export type WindowState = z.infer<typeof windowStateSchema>

export const SETTINGS_FILE = 'settings.json'

function defaults(): Settings {
  return { version: 1, libraryFolders: [], recentFolders: [], includeHfCache: true, window: null }
}

export interface SettingsStore {
  readonly file: string
  get(): Settings
  /** Applies a change and writes the file atomically (temp file, fsync, rename); changes are serialised. */
  update(change: (s: Settings) => Settings | void): Promise<Settings>
  /** Resolves when every update made so far has been written (or has failed). */
  idle(): Promise<void>
}

/**
 * Graft's settings (library folders, recent folders, window state) in one JSON file under the
 * config dir. A missing or unreadable file starts from defaults; it is never half-written.
 */
export async function createSettingsStore(opts: { dir: string }): Promise<SettingsStore> {
  const file = join(opts.dir, SETTINGS_FILE)
  let current = defaults()
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
    if (parsed.success) current = parsed.data
    else console.warn(`graft: ignoring ${file}: it does not match the settings format (${parsed.error.issues[0]?.message ?? 'invalid'}).`)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') console.warn(`graft: ignoring ${file}: ${(e as Error).message}`)
  }
  let chain: Promise<unknown> = Promise.resolve()
  return {
    file,
    get: () => structuredClone(current),
    update(change) {
      const next = chain.then(async () => {
        const draft = structuredClone(current)
        const s = settingsSchema.parse(change(draft) ?? draft)
        await writeAtomically(opts.dir, file, JSON.stringify(s, null, 2) + '\n')
        current = s
        return structuredClone(s)
      })
      chain = next.catch(() => {})
      return next
    },
    idle: () => chain.then(() => {}),
  }
}

async function writeAtomically(dir: string, file: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(text, 'utf8')
    await fh.sync()
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw e
  }
  await fh.close()
  await rename(tmp, file)
}
