import { defineConfig } from 'vitest/config';

// Deadlines for a test that hangs, not measures of speed: CI machines may have both cores busy with
// other work (a load average of 40 on two cores has been seen), so they are generous. No test asserts
// on how long something took.
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 300_000 },
});
