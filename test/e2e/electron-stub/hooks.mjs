// Module hook: `import ... from 'electron'` resolves to the stub beside this file.
export async function resolve(spec, ctx, next) {
  if (spec === 'electron') return { url: new URL('./electron.mjs', import.meta.url).href, shortCircuit: true }
  return next(spec, ctx)
}
