/**
 * A minimal but faithful Hugging Face Hub on 127.0.0.1 (random port) for tests through the real
 * @huggingface/hub client: the endpoints and headers the library calls (see
 * shared/docs/js-ecosystem.md §3). It counts every request, so tests can assert "no network".
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeFile {
  path: string
  content: Buffer
  /** Stored with LFS (sha256 oid, X-Linked-Etag). Default: *.safetensors / *.bin files. */
  lfs?: boolean
  /** Bytes actually served (to simulate corruption); the listing still describes `content`. */
  served?: Buffer
}

export interface FakeRepo {
  id: string
  files: FakeFile[]
  sha?: string
  /** Branch/tag -> sha; `main` always points at `sha`. */
  refs?: Record<string, string>
  private?: boolean
  gated?: false | 'auto' | 'manual'
  downloads?: number
  likes?: number
  lastModified?: string
  tags?: string[]
  library_name?: string
  pipeline_tag?: string
  safetensors?: { parameters: Record<string, number>; total: number }
  cardData?: Record<string, unknown>
}

export interface FakeRequest {
  method: string
  path: string
  url: string
  range: string | null
  /** The user the Authorization header named, or null; the token itself is not recorded. */
  user: string | null
  hadAuth: boolean
}

export interface FakeHubOptions {
  repos?: FakeRepo[]
  /** token -> user name. */
  tokens?: Record<string, string>
  /** Organisations per user (for whoami and repo creation). */
  orgs?: Record<string, string[]>
  /** Page size of /api/models when the client asks for more (Link pagination). */
  searchPageSize?: number
  /** Page size of tree listings (Link pagination). */
  treePageSize?: number
}

interface RepoState extends FakeRepo {
  sha: string
  refs: Record<string, string>
  /** sha -> files at that commit. */
  commits: Map<string, FakeFile[]>
}

export interface FakeHub {
  url: string
  requests: FakeRequest[]
  /** Requests whose path matches. */
  count(match?: RegExp): number
  reset(): void
  repo(id: string): RepoState | undefined
  addRepo(r: FakeRepo): RepoState
  /** Cut the body of the next full download of `path` after `afterBytes` bytes (socket destroyed). */
  truncateOnce(path: string, afterBytes: number): void
  /** Ignore Range headers on downloads of `path` (answer 200 with the whole file). */
  ignoreRange(path: string, on?: boolean): void
  /** Send `path` in chunks of `chunk` bytes every `delayMs` ms. */
  throttle(path: string, chunk: number, delayMs: number): void
  /** Answer error bodies with this text appended (to test that echoed secrets are scrubbed). */
  echoAuthInErrors: boolean
  /** Largest number of /resolve/ downloads in flight at once (range probes excluded). */
  maxConcurrentDownloads: number
  /** LFS objects received by PUT, by sha256. */
  lfsObjects: Map<string, Buffer>
  commitsMade: { repo: string; branch: string; summary: string; files: string[] }[]
  close(): Promise<void>
}

const sha1Git = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const newSha = () => randomBytes(20).toString('hex')
const isLfs = (f: FakeFile) => f.lfs ?? /\.(safetensors|bin|pt|pth|ckpt)$/.test(f.path)

function treeEntry(f: FakeFile, sha: string) {
  const lfs = isLfs(f)
  return {
    type: 'file',
    path: f.path,
    size: f.content.length,
    oid: lfs ? sha1Git(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(f.content)}\nsize ${f.content.length}\n`)) : sha1Git(f.content),
    ...(lfs ? { lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 134 } } : {}),
    lastCommit: { id: sha, title: 'commit', date: '2025-01-01T00:00:00.000Z' },
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

export async function startFakeHub(opts: FakeHubOptions = {}): Promise<FakeHub> {
  const repos = new Map<string, RepoState>()
  const tokens = opts.tokens ?? {}
  const truncations = new Map<string, number>()
  const noRange = new Set<string>()
  const throttles = new Map<string, { chunk: number; delayMs: number }>()
  let inFlight = 0
  let base = ''

  const addRepo = (r: FakeRepo): RepoState => {
    const sha = r.sha ?? newSha()
    const st: RepoState = { ...r, sha, refs: { ...(r.refs ?? {}), main: sha }, commits: new Map([[sha, r.files]]) }
    repos.set(r.id, st)
    return st
  }
  for (const r of opts.repos ?? []) addRepo(r)

  const userOf = (req: IncomingMessage): { user: string | null; hadAuth: boolean; bad: boolean } => {
    const h = req.headers.authorization
    if (!h) return { user: null, hadAuth: false, bad: false }
    const m = /^Bearer (.+)$/.exec(h)
    const user = m ? tokens[m[1]] : undefined
    return { user: user ?? null, hadAuth: true, bad: !user }
  }

  const hub: FakeHub = {
    url: '',
    requests: [],
    count: (match) => (match ? hub.requests.filter((r) => match.test(r.path)).length : hub.requests.length),
    reset: () => {
      hub.requests.length = 0
      hub.maxConcurrentDownloads = 0
    },
    repo: (id) => repos.get(id),
    addRepo,
    truncateOnce: (path, n) => void truncations.set(path, n),
    ignoreRange: (path, on = true) => void (on ? noRange.add(path) : noRange.delete(path)),
    throttle: (path, chunk, delayMs) => void throttles.set(path, { chunk, delayMs }),
    echoAuthInErrors: false,
    maxConcurrentDownloads: 0,
    lfsObjects: new Map(),
    commitsMade: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }
  const error = (req: IncomingMessage, res: ServerResponse, status: number, msg: string, code?: string) => {
    const echo = hub.echoAuthInErrors && req.headers.authorization ? ` (you sent ${req.headers.authorization})` : ''
    json(res, status, { error: msg + echo }, code ? { 'X-Error-Code': code } : {})
  }

  /** Splits `org/name/<rest>` or `name/<rest>` against the known repos. */
  const splitRepo = (segs: string[]): { repo: RepoState; rest: string[] } | null => {
    if (segs.length >= 2 && repos.has(`${segs[0]}/${segs[1]}`)) return { repo: repos.get(`${segs[0]}/${segs[1]}`)!, rest: segs.slice(2) }
    if (segs.length >= 1 && repos.has(segs[0])) return { repo: repos.get(segs[0])!, rest: segs.slice(1) }
    return null
  }
  /** Private repos are visible to their owner only; gated repos need any valid token for files. */
  const canSee = (repo: RepoState, user: string | null) => !repo.private || (!!user && (repo.id.startsWith(user + '/') || (opts.orgs?.[user] ?? []).some((o) => repo.id.startsWith(o + '/'))))
  const resolveRev = (repo: RepoState, rev: string): string | null => {
    const r = decodeURIComponent(rev)
    if (r === 'HEAD') return repo.sha
    if (repo.refs[r]) return repo.refs[r]
    return repo.commits.has(r) ? r : null
  }

  const modelJson = (repo: RepoState, sha: string, expand: string[]) => {
    const full: Record<string, unknown> = {
      _id: 'id-' + repo.id,
      id: repo.id,
      author: repo.id.includes('/') ? repo.id.split('/')[0] : undefined,
      private: !!repo.private,
      gated: repo.gated ?? false,
      downloads: repo.downloads ?? 0,
      likes: repo.likes ?? 0,
      lastModified: repo.lastModified ?? '2025-01-01T00:00:00.000Z',
      createdAt: '2024-01-01T00:00:00.000Z',
      pipeline_tag: repo.pipeline_tag,
      tags: repo.tags ?? [],
      library_name: repo.library_name,
      sha,
      siblings: (repo.commits.get(sha) ?? []).map((f) => ({ rfilename: f.path })),
      safetensors: repo.safetensors,
      cardData: repo.cardData,
    }
    if (expand.length === 0) return full
    const out: Record<string, unknown> = { _id: full._id, id: full.id }
    for (const k of expand) out[k] = full[k]
    return out
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', base)
    const segs = u.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const auth = userOf(req)
    hub.requests.push({ method: req.method ?? 'GET', path: u.pathname, url: u.href, range: (req.headers.range as string) ?? null, user: auth.user, hadAuth: auth.hadAuth })
    if (auth.bad) return error(req, res, 401, 'Invalid credentials in Authorization header')
    const user = auth.user

    // --- identity
    if (u.pathname === '/api/whoami-v2') {
      if (!user) return error(req, res, 401, 'Invalid credentials in Authorization header')
      return json(res, 200, {
        type: 'user',
        id: 'u-' + user,
        name: user,
        fullname: user.toUpperCase(),
        email: `${user}@example.com`,
        orgs: (opts.orgs?.[user] ?? []).map((o) => ({ type: 'org', name: o, fullname: o })),
        auth: { type: 'access_token', accessToken: { displayName: 'graft-test', role: 'write', createdAt: '2025-01-01T00:00:00.000Z' } },
      })
    }

    // --- search
    if (u.pathname === '/api/models' && req.method === 'GET') {
      const q = u.searchParams
      let list = [...repos.values()].filter((r) => canSee(r, user))
      const search = q.get('search')?.toLowerCase()
      if (search) list = list.filter((r) => r.id.toLowerCase().includes(search))
      const author = q.get('author')
      if (author) list = list.filter((r) => r.id.startsWith(author + '/'))
      const task = q.get('pipeline_tag')
      if (task) list = list.filter((r) => r.pipeline_tag === task)
      for (const f of q.getAll('filter')) list = list.filter((r) => (r.tags ?? []).includes(f) || r.library_name === f)
      const sort = q.get('sort')
      if (sort === 'downloads' || sort === 'likes') list.sort((a, b) => (b[sort] ?? 0) - (a[sort] ?? 0) || a.id.localeCompare(b.id))
      else if (sort === 'lastModified') list.sort((a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || a.id.localeCompare(b.id))
      else list.sort((a, b) => a.id.localeCompare(b.id))
      const limit = Math.min(Number(q.get('limit') ?? 1000), opts.searchPageSize ?? 1000)
      const offset = Number(q.get('cursor') ?? 0)
      const page = list.slice(offset, offset + limit)
      const headers: Record<string, string> = {}
      if (offset + limit < list.length) {
        const next = new URL(u.href)
        next.searchParams.set('cursor', String(offset + limit))
        headers.Link = `<${next.href}>; rel="next"`
      }
      const expand = [...q.getAll('expand'), ...q.getAll('expand[]')]
      return json(res, 200, page.map((r) => modelJson(r, r.sha, expand)), headers)
    }

    // --- create repo
    if (u.pathname === '/api/repos/create' && req.method === 'POST') {
      if (!user) return error(req, res, 401, 'You must be authenticated')
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { name: string; organization?: string; private?: boolean; visibility?: string }
      const ns = body.organization ?? user
      if (ns !== user && !(opts.orgs?.[user] ?? []).includes(ns)) return error(req, res, 403, `You don't have the rights to create a model under the namespace "${ns}"`)
      const id = `${ns}/${body.name}`
      if (repos.has(id)) return error(req, res, 409, 'You already created this model repo')
      const st = addRepo({ id, files: [], private: body.private ?? body.visibility === 'private' })
      st.commits.set(st.sha, [{ path: '.gitattributes', content: Buffer.from('*.safetensors filter=lfs diff=lfs merge=lfs -text\n') }])
      return json(res, 200, { url: `${base}/${id}`, name: id, id: 'id-' + id })
    }

    // --- LFS upload target (PUT href from the batch answer)
    if (segs[0] === '__lfs' && req.method === 'PUT') {
      const body = await readBody(req)
      if (sha256(body) !== segs[1]) return error(req, res, 400, 'sha256 mismatch')
      hub.lfsObjects.set(segs[1], body)
      res.writeHead(200, { ETag: '"' + segs[1] + '"' })
      return res.end()
    }

    // --- /api/models/{repo}[/revision/{rev} | /tree/{rev}[/path] | /paths-info/{rev} | /preupload/{b} | /commit/{b}]
    if (segs[0] === 'api' && segs[1] === 'models') {
      const hit = splitRepo(segs.slice(2))
      if (!hit || !canSee(hit.repo, user)) return error(req, res, user ? 404 : 401, 'Repository not found', 'RepoNotFound')
      const { repo, rest } = hit
      const expand = [...u.searchParams.getAll('expand'), ...u.searchParams.getAll('expand[]')]
      if (rest.length === 0) return json(res, 200, modelJson(repo, repo.sha, expand))
      const [kind, rev, ...more] = rest
      if (kind === 'revision') {
        const sha = resolveRev(repo, rev)
        if (!sha) return error(req, res, 404, `Invalid rev id: ${rev}`, 'RevisionNotFound')
        return json(res, 200, modelJson(repo, sha, expand))
      }
      if (kind === 'tree') {
        const sha = resolveRev(repo, rev)
        if (!sha) return error(req, res, 404, `Invalid rev id: ${rev}`, 'RevisionNotFound')
        const prefix = more.join('/')
        const recursive = u.searchParams.get('recursive') === 'true'
        const files = repo.commits.get(sha) ?? []
        const entries: unknown[] = []
        const dirs = new Set<string>()
        for (const f of files) {
          if (prefix && !f.path.startsWith(prefix + '/')) continue
          const relPath = prefix ? f.path.slice(prefix.length + 1) : f.path
          const slash = relPath.indexOf('/')
          if (!recursive && slash >= 0) {
            const d = (prefix ? prefix + '/' : '') + relPath.slice(0, slash)
            if (!dirs.has(d)) {
              dirs.add(d)
              entries.push({ type: 'directory', path: d, size: 0, oid: sha1Git(Buffer.from(d)) })
            }
            continue
          }
          if (recursive) {
            const parts = f.path.split('/')
            for (let i = 1; i < parts.length; i++) {
              const d = parts.slice(0, i).join('/')
              if (!dirs.has(d) && (!prefix || d.startsWith(prefix + '/'))) {
                dirs.add(d)
                entries.push({ type: 'directory', path: d, size: 0, oid: sha1Git(Buffer.from(d)) })
              }
            }
          }
          entries.push(treeEntry(f, sha))
        }
        const pageSize = opts.treePageSize ?? 1000
        const offset = Number(u.searchParams.get('cursor') ?? 0)
        const headers: Record<string, string> = {}
        if (offset + pageSize < entries.length) {
          const next = new URL(u.href)
          next.searchParams.set('cursor', String(offset + pageSize))
          headers.Link = `<${next.href}>; rel="next"`
        }
        return json(res, 200, entries.slice(offset, offset + pageSize), headers)
      }
      if (kind === 'paths-info' && req.method === 'POST') {
        const sha = resolveRev(repo, rev)
        if (!sha) return error(req, res, 404, `Invalid rev id: ${rev}`, 'RevisionNotFound')
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { paths: string[] }
        const files = repo.commits.get(sha) ?? []
        return json(res, 200, files.filter((f) => body.paths.includes(f.path)).map((f) => treeEntry(f, sha)))
      }
      if (kind === 'preupload' && req.method === 'POST') {
        if (!user || !repo.id.startsWith(user + '/')) return error(req, res, 403, 'You do not have write access')
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { files: { path: string; size: number }[] }
        return json(res, 200, { files: body.files.map((f) => ({ path: f.path, uploadMode: /\.(safetensors|bin)$/.test(f.path) || f.size > 10_000_000 ? 'lfs' : 'regular', shouldIgnore: false })) })
      }
      if (kind === 'commit' && req.method === 'POST') {
        if (!user || !repo.id.startsWith(user + '/')) return error(req, res, 403, 'You do not have write access')
        const branch = decodeURIComponent(rev)
        const lines = (await readBody(req)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> })
        const parent = repo.refs[branch] ?? repo.sha
        const files = new Map((repo.commits.get(parent) ?? []).map((f) => [f.path, f]))
        let summary = ''
        for (const l of lines) {
          if (l.key === 'header') summary = String(l.value.summary ?? '')
          else if (l.key === 'file') files.set(String(l.value.path), { path: String(l.value.path), content: Buffer.from(String(l.value.content), (l.value.encoding as BufferEncoding) ?? 'base64'), lfs: false })
          else if (l.key === 'lfsFile') {
            const obj = hub.lfsObjects.get(String(l.value.oid))
            if (!obj) return error(req, res, 422, `LFS object ${String(l.value.oid)} was not uploaded`)
            files.set(String(l.value.path), { path: String(l.value.path), content: obj, lfs: true })
          } else if (l.key === 'deletedFile') files.delete(String(l.value.path))
        }
        const sha = newSha()
        repo.commits.set(sha, [...files.values()])
        repo.refs[branch] = sha
        if (branch === 'main') {
          repo.sha = sha
          repo.files = [...files.values()]
        }
        hub.commitsMade.push({ repo: repo.id, branch, summary, files: [...files.keys()] })
        return json(res, 200, { success: true, commitOid: sha, commitUrl: `${base}/${repo.id}/commit/${sha}`, hookOutput: '' })
      }
      return error(req, res, 404, 'Not found')
    }

    // --- LFS batch: /{repo}.git/info/lfs/objects/batch
    const batch = /^\/(.+)\.git\/info\/lfs\/objects\/batch$/.exec(u.pathname)
    if (batch && req.method === 'POST') {
      const repo = repos.get(decodeURIComponent(batch[1]))
      if (!repo) return error(req, res, 404, 'Repository not found', 'RepoNotFound')
      if (!user || !repo.id.startsWith(user + '/')) return error(req, res, 403, 'You do not have write access')
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { objects: { oid: string; size: number }[] }
      res.writeHead(200, { 'Content-Type': 'application/vnd.git-lfs+json' })
      return res.end(
        JSON.stringify({
          transfer: 'basic',
          objects: body.objects.map((o) => (hub.lfsObjects.has(o.oid) ? { oid: o.oid, size: o.size } : { oid: o.oid, size: o.size, actions: { upload: { href: `${base}/__lfs/${o.oid}` } } })),
        }),
      )
    }

    // --- file downloads: /{repo}/resolve/{rev}/{path} and raw/
    const hit = splitRepo(segs)
    if (hit && (hit.rest[0] === 'resolve' || hit.rest[0] === 'raw') && hit.rest.length >= 3) {
      const { repo } = hit
      if (!canSee(repo, user)) return error(req, res, 401, 'Repository not found', 'RepoNotFound')
      if (repo.gated && !user) return error(req, res, 401, `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.`, 'GatedRepo')
      const sha = resolveRev(repo, hit.rest[1])
      if (!sha) return error(req, res, 404, 'Invalid rev id', 'RevisionNotFound')
      const path = hit.rest.slice(2).join('/')
      const file = (repo.commits.get(sha) ?? []).find((f) => f.path === path)
      if (!file) return error(req, res, 404, 'Entry not found', 'EntryNotFound')
      const body = file.served ?? file.content
      const lfs = isLfs(file) && hit.rest[0] === 'resolve'
      const entry = treeEntry(file, sha)
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/octet-stream',
        'Accept-Ranges': 'bytes',
        ETag: `"${entry.oid}"`,
        'X-Repo-Commit': sha,
      }
      if (lfs) {
        headers['X-Linked-Etag'] = `"${sha256(file.content)}"`
        headers['X-Linked-Size'] = file.content.length
      }
      const range = req.headers.range
      let start = 0
      let end = body.length - 1
      let status = 200
      if (range && !noRange.has(path)) {
        const m = /^bytes=(\d+)-(\d*)$/.exec(range)
        if (m) {
          start = Number(m[1])
          end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1
          if (start >= body.length) {
            res.writeHead(416, { 'Content-Range': `bytes */${body.length}` })
            return res.end()
          }
          status = 206
          headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`
        }
      }
      const slice = body.subarray(start, end + 1)
      headers['Content-Length'] = slice.length
      res.writeHead(status, headers)
      if (req.method === 'HEAD') return res.end()
      const probe = range === 'bytes=0-0'
      if (probe) return res.end(slice)
      inFlight++
      hub.maxConcurrentDownloads = Math.max(hub.maxConcurrentDownloads, inFlight)
      try {
        const cut = truncations.get(path)
        if (cut !== undefined) {
          truncations.delete(path)
          res.write(slice.subarray(0, cut))
          await new Promise((r) => setTimeout(r, 20))
          res.socket?.destroy()
          return
        }
        const th = throttles.get(path)
        if (th) {
          for (let i = 0; i < slice.length; i += th.chunk) {
            if (res.destroyed || req.destroyed) return
            res.write(slice.subarray(i, i + th.chunk))
            await new Promise((r) => setTimeout(r, th.delayMs))
          }
          return res.end()
        }
        // A short pause keeps several downloads in flight at once, so concurrency is observable.
        await new Promise((r) => setTimeout(r, 15))
        res.end(slice)
      } finally {
        inFlight--
      }
      return
    }

    return error(req, res, 404, 'Not found')
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) json(res, 500, { error: String(e) })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  hub.url = base
  return hub
}

/** sha256 hex of a buffer (tests compare downloaded blobs with it). */
export function sha256Hex(b: Buffer): string {
  return sha256(b)
}

/** The git blob oid of a buffer (the blob name of a regular file in the cache). */
export function gitOid(b: Buffer): string {
  return sha1Git(b)
}
