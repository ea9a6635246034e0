import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFileTokenStore, createMemoryTokenStore } from './token-store'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graft-token-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

// A stand-in for Electron safeStorage: reversible, and never the plain text.
const encrypt = (s: string) => Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)
const decrypt = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8')

describe('TokenStore', () => {
  it('stores only ciphertext, 0600, and reads it back', async () => {
    const path = join(dir, 'hub-token.json')
    const store = createFileTokenStore({ path, encrypt, decrypt })
    expect(store.canPersist).toBe(true)
    expect(await store.get()).toBeNull()
    await store.set('hf_secretTOKENvalue')
    const raw = await readFile(path, 'utf8')
    expect(raw).not.toContain('hf_secretTOKENvalue')
    expect(raw).not.toContain('secretTOKEN')
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await store.get()).toBe('hf_secretTOKENvalue')
    await store.clear()
    expect(await store.get()).toBeNull()
  })

  it('without an encrypt/decrypt pair it refuses to store anything', async () => {
    const path = join(dir, 'hub-token.json')
    const store = createFileTokenStore({ path })
    expect(store.canPersist).toBe(false)
    await expect(store.set('hf_secretTOKENvalue')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    await expect(stat(path)).rejects.toThrow()
  })

  it('refuses a cipher that returns the plain text, and non-hf_ tokens', async () => {
    const store = createFileTokenStore({ path: join(dir, 't.json'), encrypt: (s) => Buffer.from(s), decrypt: (b) => b.toString() })
    await expect(store.set('hf_secretTOKENvalue')).rejects.toMatchObject({ code: 'INTERNAL' })
    await expect(createFileTokenStore({ path: join(dir, 't.json'), encrypt, decrypt }).set('nope')).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    const mem = createMemoryTokenStore()
    await mem.set('hf_x')
    expect(await mem.get()).toBe('hf_x')
  })
})
