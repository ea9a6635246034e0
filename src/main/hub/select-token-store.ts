import { join } from 'node:path'
import { createFileTokenStore, createMemoryTokenStore, type TokenStore } from '../../core/hub/token-store'
import type { TokenStorage } from './hub-service'

/** The file an encrypted token lives in, under Electron's userData (or GRAFT_CONFIG_DIR). */
export const TOKEN_FILE = 'hub-token.json'

/** The part of Electron's safeStorage Graft uses; injected so this file never imports electron. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(cipher: Buffer): string
  /** Linux only: 'basic_text' means no keyring, i.e. a hard-coded key, which Graft treats as plain text. */
  getSelectedStorageBackend?(): string
}

/**
 * Where the Electron app keeps a token entered in the app: encrypted with safeStorage in
 * <dir>/hub-token.json when the OS offers real encryption; otherwise only in memory for this
 * session (never written in plain text). Web mode always uses the memory store.
 */
export function selectTokenStore(opts: { dir: string; safeStorage?: SafeStorageLike | null }): { store: TokenStore; storage: TokenStorage } {
  const ss = opts.safeStorage
  let secure = false
  try {
    secure = !!ss && ss.isEncryptionAvailable() && ss.getSelectedStorageBackend?.() !== 'basic_text'
  } catch {
    secure = false
  }
  if (!ss || !secure) return { store: createMemoryTokenStore(), storage: 'session' }
  return {
    store: createFileTokenStore({ path: join(opts.dir, TOKEN_FILE), encrypt: (s) => ss.encryptString(s), decrypt: (b) => ss.decryptString(b) }),
    storage: 'encrypted',
  }
}
