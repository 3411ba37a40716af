import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'desktop',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // expect.poll's 1 s default is shorter than a liveQuery round trip and a
    // render in Chromium on a loaded 2-core machine; a poll asserts what must
    // happen eventually, so waiting longer weakens nothing.
    expect: { poll: { timeout: 10_000 } },
  },
});
