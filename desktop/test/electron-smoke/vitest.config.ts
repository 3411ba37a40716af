// `npm run test:electron-smoke` (repository root): the packaged app in a real
// Electron, driven by Playwright's _electron. Not part of `npm test`'s
// projects: it needs an Electron runtime, and where there is none its one
// test skips with a line saying so (support/app-binary.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'electron-smoke',
    include: ['*.smoke.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
