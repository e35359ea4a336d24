import { defineConfig } from 'vitest/config';

/** Tests that measure the rates a read keeps (a budget, a capacity that throttles): on these 2 cores, other tests
 *  running beside them (DynamoDB Local and other CLIs competing for the CPU) move what they measure, so they run
 *  after the rest of the suite, one file at a time. */
const TIMING = ['test/e2e/budget.test.ts', 'test/e2e/throttling.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: DynamoDB Local (Java) needs one of them.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: TIMING } },
      { extends: true, test: { name: 'timing', include: TIMING, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
