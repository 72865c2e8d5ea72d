import { configDefaults, defineConfig } from "vitest/config";

/**
 * `npm run test:chaos`: the fault, load and abuse suite (test/chaos). Each file starts whole stacks
 * (workerd, sandbox host, real agent CLIs), so the timeouts are generous; every wait inside a case is
 * bounded on its own. The global setup turns the cases' records into docs/RELIABILITY.md.
 */
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    environment: "node",
    testTimeout: 240_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // One file at a time: the flood measures answer times on 2 cores, and ten agents of the faults
    // file on the other core were seen to push its p99 past 10 s.
    fileParallelism: false,
    globalSetup: ["test/support/global-setup.ts", "test/chaos/support/global-setup.ts"],
  },
});
