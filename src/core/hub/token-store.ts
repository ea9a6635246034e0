import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { GraftError } from '../errors'

/**
 * Where the app keeps a token the user entered. The Electron main process backs it with
 * safeStorage (encrypt/decrypt); tests and the CLI can use the in-memory store.
 */
export interface TokenStore {
  get(): Promise<string | null>
  set(token: string): Promise<void>
  clear(): Promise<void>
  /** False when this store cannot persist a token securely (it then refuses set()). */
  readonly canPersist: boolean
}

export interface FileTokenStoreOptions {
  /** The file to keep the encrypted token in, e.g. <userData>/hub-token.json. */
  path: string
  /** Electron's safeStorage.encryptString, or any cipher. Without both functions nothing is ever written. */
  encrypt?: (plain: string) => Buffer | Uint8Array | Promise<Buffer | Uint8Array>
  decrypt?: (cipher: Buffer) => string | Promise<string>
}

interface StoredToken {
  version: 1
  scheme: 'encrypted'
  data: string
}

/**
 * A token file that only ever holds ciphertext: without an encrypt/decrypt pair set() throws and
 * get() reads nothing, so the token is never written in plain text. The file is written 0600 and
 * renamed into place.
 */
export function createFileTokenStore(opts: FileTokenStoreOptions): TokenStore {
  const { encrypt, decrypt } = opts
  const secure = typeof encrypt === 'function' && typeof decrypt === 'function'
  return {
    canPersist: secure,
    async get() {
      if (!secure) return null
      const text = await readFile(opts.path, 'utf8').catch(() => null)
      if (text === null) return null
      let stored: StoredToken
      try {
        stored = JSON.parse(text) as StoredToken
      } catch {
        return null
      }
      if (stored?.version !== 1 || stored.scheme !== 'encrypted' || typeof stored.data !== 'string') return null
      try {
        const token = (await decrypt(Buffer.from(stored.data, 'base64'))).trim()
        return token || null
      } catch {
        // A token encrypted under another OS account or keyring cannot be read: treat it as signed out.
        return null
      }
    },
    async set(token: string) {
      if (!secure) {
        throw new GraftError('PERMISSION_DENIED', 'Graft cannot store the token securely on this system, so it did not save it.', {
          hint: 'Set HF_TOKEN in the environment or run `hf auth login` instead.',
        })
      }
      const t = token.trim()
      if (!t.startsWith('hf_')) throw new GraftError('BAD_REQUEST', 'A Hugging Face token starts with "hf_".', { hint: 'Copy the token from huggingface.co/settings/tokens.' })
      const cipher = Buffer.from(await encrypt(t))
      if (cipher.includes(Buffer.from(t))) throw new GraftError('INTERNAL', 'The token cipher returned the token unencrypted; Graft did not save it.')
      const stored: StoredToken = { version: 1, scheme: 'encrypted', data: cipher.toString('base64') }
      await mkdir(dirname(opts.path), { recursive: true })
      const tmp = `${opts.path}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(stored) + '\n', { mode: 0o600 })
      await rename(tmp, opts.path)
    },
    async clear() {
      await rm(opts.path, { force: true })
    },
  }
}

/** A store that keeps the token for this process only (CLI sessions, tests, systems without a keyring). */
export function createMemoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial
  return {
    canPersist: false,
    async get() {
      return token
    },
    async set(t: string) {
      token = t.trim() || null
    },
    async clear() {
      token = null
    },
  }
}
