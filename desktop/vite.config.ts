/**
 * Builds the renderer (desktop/src/renderer) into desktop/dist/renderer, which
 * the web shell serves and Electron loads from its custom protocol. `base:
 * './'` keeps every asset URL relative so both hosts work. The 'source'
 * condition resolves workspace packages (crypto-core's browser-safe
 * subpaths) to their TypeScript sources, so no package build is needed first.
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defaultClientConditions, defineConfig } from 'vite';

const rendererRoot = fileURLToPath(new URL('./src/renderer/', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer/', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Inline assets would become data: URLs in script/style, which the CSP refuses.
    assetsInlineLimit: 0,
    sourcemap: true,
    // The app (index.html) plus the benchmark page (bench/index.html), which
    // desktop/bench/desktop-bench.ts opens through the web shell.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./src/renderer/index.html', import.meta.url)),
        bench: fileURLToPath(new URL('./src/renderer/bench/index.html', import.meta.url)),
        'ui-bench': fileURLToPath(new URL('./src/renderer/bench/ui/index.html', import.meta.url)),
      },
      // Module bodies run in import order even across shared chunks, so the app's
      // first import (app/zod-without-eval.ts) configures zod before any schema
      // exists; otherwise zod's `new Function` probe trips the CSP.
      output: { strictExecutionOrder: true },
    },
  },
  // The dev server (`npx vite`) is only for looking at components; the vault
  // needs the web shell, which serves the build.
  server: { host: '127.0.0.1', strictPort: true },
});
