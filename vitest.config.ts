import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'dev/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests share one Redis and start servers on loopback; two cores, so keep the pool small.
    maxWorkers: 2,
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
