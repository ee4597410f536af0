import { defineConfig } from 'vitest/config';

// Every test runs twice: on the debug wasm build (asserts on) and on the release build (-O3),
// selected through POISONBENCH_WASM (src/core/wasm.ts).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: (['debug', 'release'] as const).map((build) => ({
      test: {
        name: build,
        include: ['test/**/*.test.ts'],
        env: { POISONBENCH_WASM: build },
        testTimeout: 120_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
