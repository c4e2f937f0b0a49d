import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stops at once, with one message, when Chromium, Redis, PostgreSQL or the SROIE receipts
    // that the selected tests need are missing.
    globalSetup: ['test/helpers/preflight.ts'],
    // OCR tests share two cores; running files in parallel only makes every file slower.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
