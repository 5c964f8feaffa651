import { defineConfig } from 'vitest/config';

// test/*.e2e.test.ts are end-to-end tests: a real server on a real database, driven through Chromium.
// The other test/*.test.ts need neither (e.g. audit-sentences.test.ts). One file at a time:
// each starts a database, a server and a browser, and the machine may have only two cores. The timeouts
// are deadlines for a hung test on a busy machine, not measures of speed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
