import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

/**
 * Three bundles: main (ESM, with the piscina worker as a separate `?modulePath` chunk), preload
 * (one CommonJS file, so it runs in a sandboxed renderer) and the React renderer. Runtime
 * dependencies (piscina, ws, zod, tokenizers, tsx) stay external: they are in `dependencies`, and
 * piscina in particular must not be bundled (it spawns its own worker file).
 *
 * Only the renderer is minified (electron-vite leaves every bundle unminified by default): it is
 * the one loaded into a page on every start, and a browser in web mode fetches it. Main and preload
 * run in Node/Electron from local files, where readable stack traces are worth more than bytes.
 * No bundle ships source maps (the default), and minification adds no eval, so the renderer's
 * strict CSP (`script-src 'self'`) holds.
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require node_modules: bundle everything into one file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      minify: true,
      sourcemap: false,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') },
      },
    },
  },
})
