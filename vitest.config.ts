import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "worker/**/*.test.ts", "test/**/*.test.ts"],
    // The chaos suite has its own config and command (vitest.chaos.config.ts, `npm run test:chaos`).
    exclude: [...configDefaults.exclude, "test/chaos/**"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: end-to-end files each start workerd, a sandbox host and real agent CLIs.
    maxWorkers: 2,
  },
});
