import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      // The policy core decides who may look into a bedroom: it is held to a higher bar.
      thresholds: { 'src/policy/**': { branches: 95, lines: 95 } },
    },
  },
});
