import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One runner for the whole repository, so `npm test` ends with one summary.
export default defineConfig({
  test: {
    projects: ['crypto-core', 'relay-server', 'desktop']
      .map((dir) => `${dir}/vitest.config.ts`)
      .filter((config) => existsSync(config)),
  },
});
