import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "worker/**/*.test.ts", "test/**/*.test.ts"],
    // The chaos suite and the workerd suite have their own configs (vitest.chaos.config.ts,
    // vitest.workers.config.ts) and commands.
    exclude: [...configDefaults.exclude, "test/chaos/**", "test/workers/**"],
    environment: "node",
    // Sandbox hosts isolate agents with bubblewrap: installed here when missing.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: end-to-end files each start workerd, a sandbox host and real agent CLIs.
    maxWorkers: 2,
  },
});
