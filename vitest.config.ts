import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.spec.ts', 'scripts/**/*.spec.ts', 'test/**/*.spec.ts', 'lab/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        // integration tests against the real lab; the global setup brings it up once
        test: {
          name: 'lab',
          include: ['lab/**/*.test.ts', 'test/**/*.lab.test.ts', 'src/**/*.lab.test.ts'],
          environment: 'node',
          globalSetup: ['test/lab-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
