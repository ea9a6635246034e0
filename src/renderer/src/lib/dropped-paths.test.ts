import { describe, expect, it } from 'vitest'
import { droppedPaths, fileUriToPath, mayCarryPaths, type DropData } from './dropped-paths'

/** A DataTransfer stand-in: formats → data, plus Files. */
function drop(data: Record<string, string>, files: { name: string }[] = []): DropData<{ name: string }> {
  return { types: [...(files.length ? ['Files'] : []), ...Object.keys(data)], getData: (f) => data[f] ?? '', files }
}

describe('fileUriToPath', () => {
  it('decodes POSIX file URIs, percent escapes as UTF-8', () => {
    expect(fileUriToPath('file:///home/me/models/base')).toBe('/home/me/models/base')
    expect(fileUriToPath('file:///home/me/my%20models/b%C3%BCro%23%3F')).toBe('/home/me/my models/büro#?')
    expect(fileUriToPath('file://localhost/srv/x')).toBe('/srv/x')
    expect(fileUriToPath('FILE:///tmp')).toBe('/tmp')
    expect(fileUriToPath('file:///')).toBe('/')
  })

  it('turns drive letters into Windows paths and hosts into UNC paths', () => {
    expect(fileUriToPath('file:///C:/Users/me/My%20Models')).toBe('C:\\Users\\me\\My Models')
    expect(fileUriToPath('file:///c%3A/x')).toBe('c:\\x')
    expect(fileUriToPath('file:///C|/x')).toBe('C:\\x')
    expect(fileUriToPath('file:///D:/')).toBe('D:\\')
    expect(fileUriToPath('file://server/share/models/base')).toBe('\\\\server\\share\\models\\base')
  })

  it('refuses other schemes, bad escapes, encoded separators and NUL', () => {
    for (const bad of ['https://example.com/a', '/plain/path', 'file:///a/%E0%A4%A', 'file:///a%2Fb', 'file:///a/%00', 'file:///C:/a%5Cb', 'not a uri']) expect(fileUriToPath(bad), bad).toBeNull()
  })
})

describe('droppedPaths', () => {
  it('reads every file:// URI of a uri-list, skipping comments and other schemes', () => {
    const r = droppedPaths(drop({ 'text/uri-list': '# from the file manager\r\nfile:///m/adapter-a\r\nhttps://example.com/x\r\nfile:///m/adapter%20b/\r\n' }))
    expect(r).toEqual({ paths: ['/m/adapter-a', '/m/adapter b'], opaqueFiles: 0 })
  })

  it('reads absolute paths and file URIs given as text, as terminals quote and escape them', () => {
    expect(droppedPaths(drop({ 'text/plain': "  '/home/me/my models/base'  " })).paths).toEqual(['/home/me/my models/base'])
    expect(droppedPaths(drop({ 'text/plain': "'/m/a' '/m/b c'" })).paths).toEqual(['/m/a', '/m/b c'])
    expect(droppedPaths(drop({ 'text/plain': '/home/me/my\\ models/base' })).paths).toEqual(['/home/me/my models/base'])
    expect(droppedPaths(drop({ 'text/plain': 'C:\\Users\\me\\base\\\nfile:///srv/x\n~/models/y' })).paths).toEqual(['C:\\Users\\me\\base', '/srv/x', '~/models/y'])
    expect(droppedPaths(drop({ 'text/plain': 'hello world' })).paths).toEqual([])
    expect(droppedPaths(drop({ 'text/plain': 'relative/path' })).paths).toEqual([])
  })

  it('prefers the uri-list to the text, and removes duplicates', () => {
    expect(droppedPaths(drop({ 'text/plain': '/from/text', 'text/uri-list': 'file:///from/uri\nfile:///from/uri/' })).paths).toEqual(['/from/uri'])
    expect(droppedPaths(drop({ 'text/plain': '/from/text', 'text/uri-list': 'https://x.example/' })).paths).toEqual(['/from/text'])
  })

  it('uses pathForFile (Electron) for dropped Files, before any text', () => {
    const where: Record<string, string> = { base: '/m/base', 'adapter-a': '/m/adapter-a' }
    const r = droppedPaths(drop({ 'text/plain': '/ignored' }, [{ name: 'base' }, { name: 'adapter-a' }]), (f) => where[f.name] ?? null)
    expect(r).toEqual({ paths: ['/m/base', '/m/adapter-a'], opaqueFiles: 0 })
    // A File with no path (''), or a pathForFile that throws, gives none: the text is used instead.
    expect(droppedPaths(drop({ 'text/plain': '/from/text' }, [{ name: 'x' }]), () => '').paths).toEqual(['/from/text'])
    const throwing = () => {
      throw new Error('not a file')
    }
    expect(droppedPaths(drop({}, [{ name: 'x' }]), throwing)).toEqual({ paths: [], opaqueFiles: 1 })
  })

  it('counts Files whose location the browser keeps to itself', () => {
    expect(droppedPaths(drop({}, [{ name: 'base' }, { name: 'adapter' }]))).toEqual({ paths: [], opaqueFiles: 2 })
    expect(droppedPaths(drop({ 'text/uri-list': 'file:///m/base' }, [{ name: 'base' }]))).toEqual({ paths: ['/m/base'], opaqueFiles: 0 })
    expect(droppedPaths(drop({}))).toEqual({ paths: [], opaqueFiles: 0 })
  })

  it('survives a getData that throws (protected drag data)', () => {
    const data: DropData = { types: ['text/uri-list'], getData: () => { throw new Error('protected') } }
    expect(droppedPaths(data)).toEqual({ paths: [], opaqueFiles: 0 })
  })

  it('tells on dragover whether a drag may carry paths', () => {
    expect(mayCarryPaths(['Files'])).toBe(true)
    expect(mayCarryPaths(['text/uri-list'])).toBe(true)
    expect(mayCarryPaths(['text/plain', 'text/html'])).toBe(true)
    expect(mayCarryPaths(['text/html'])).toBe(false)
  })
})
