/** What Graft downloads when the caller names no patterns: weights, configs, tokenizer and card files. */
export const DEFAULT_INCLUDE = ['*.safetensors', '*.json', '*.jinja', 'tokenizer.model', '*.tiktoken', '*.model', '*.txt', 'README.md']

/** Pickle-based weight formats: loading them can run arbitrary code, so they are skipped unless allowed. */
export const PICKLE_EXTENSIONS = ['.bin', '.pt', '.pth', '.ckpt', '.pkl', '.pickle']

export function isPickle(path: string): boolean {
  const p = path.toLowerCase()
  return PICKLE_EXTENSIONS.some((ext) => p.endsWith(ext))
}

/**
 * fnmatch-style pattern (what huggingface_hub's allow_patterns uses): `*` matches any run of
 * characters including `/`, `?` one character, `[...]` a class. A pattern ending in `/` matches
 * everything under that folder.
 */
export function globToRegExp(pattern: string): RegExp {
  const p = pattern.endsWith('/') ? pattern + '*' : pattern
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      const j = p.indexOf(']', i + 2)
      if (j < 0) re += '\\['
      else {
        let cls = p.slice(i + 1, j).replace(/\\/g, '\\\\')
        if (cls.startsWith('!')) cls = '^' + cls.slice(1)
        re += `[${cls}]`
        i = j
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

export interface FileSelection<T extends { path: string }> {
  selected: T[]
  /** Files a pattern matched but Graft left out, with the reason (pickles without allowPickles). */
  skipped: { path: string; reason: string }[]
}

/**
 * Picks files by pattern (default: DEFAULT_INCLUDE). Patterns without a `/` also match the file
 * name in any folder, so `*.json` picks `sub/config.json` too (as fnmatch does). Pickles are never
 * selected unless `allowPickles`.
 */
export function selectFiles<T extends { path: string }>(files: T[], opts: { include?: string[]; allowPickles?: boolean } = {}): FileSelection<T> {
  const patterns = (opts.include && opts.include.length ? opts.include : DEFAULT_INCLUDE).map((p) => ({ re: globToRegExp(p), bare: !p.includes('/') }))
  const selected: T[] = []
  const skipped: { path: string; reason: string }[] = []
  for (const f of files) {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1)
    if (!patterns.some((p) => p.re.test(f.path) || (p.bare && p.re.test(base)))) continue
    if (isPickle(f.path) && !opts.allowPickles) {
      skipped.push({ path: f.path, reason: 'pickle file (can run code when loaded); pass allowPickles to download it' })
      continue
    }
    selected.push(f)
  }
  return { selected, skipped }
}
