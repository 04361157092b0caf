import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Under CI a failed test is tried once more: several tests race real
    // timers against a second server on a loaded 2-core machine. A retried
    // test is marked in the output; locally nothing is retried.
    retry: process.env.CI ? 1 : 0,
    testTimeout: 30000,
    hookTimeout: 30000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
