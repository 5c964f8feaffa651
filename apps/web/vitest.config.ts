import { defineConfig } from 'vitest/config';

// End-to-end tests: a real server on a real database, driven through Chromium. One file at a time:
// each starts a database, a server and a browser, and the machine may have only two cores. The timeouts
// are deadlines for a hung test on a busy machine, not measures of speed.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
