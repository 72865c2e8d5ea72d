/**
 * `vitest run --config vitest.workers.config.ts`: tests that run inside workerd (test/workers).
 *
 * Why a second harness: the end-to-end suites drive the Worker from Node over HTTP, so they can only
 * see what comes out of it. Here the tests run in the same workerd isolate as the Worker and its
 * SessionDO (@cloudflare/vitest-pool-workers), so a test can seed a session's SQLite
 * (`runInDurableObject`), fire its alarm (`runDurableObjectAlarm`), and talk to its hibernatable
 * WebSockets with the real platform underneath, in milliseconds and without a sandbox or GitHub.
 *
 * Everything comes from wrangler.toml (Durable Object bindings, migrations, vars, flags), but the
 * entry, test/workers/main.ts: the Worker and a double of the Sandbox SDK's object, bound as
 * `SANDBOX` (test/workers/sandbox-double.ts). The secrets worker/config.ts requires are test values
 * given as bindings. Offline by construction:
 * every outbound fetch from the Worker (GitHub, the sandbox host) is answered here with a 503, so a
 * test that reaches the network fails at once instead of waiting on it.
 */
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { configDefaults, defineConfig } from "vitest/config";
import { isolateWrangler } from "./src/cli/wrangler-env.js";

const root = path.dirname(fileURLToPath(import.meta.url));
isolateWrangler(root);

// PKCS#8 (workerd cannot use PKCS#1); a fresh one per run, so no key is checked in.
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

/** Test values of the settings worker/config.ts requires; the rest come from wrangler.toml's [vars]. */
export const TEST_BINDINGS = {
  APP_ID: "1",
  PRIVATE_KEY: privateKey,
  WEBHOOK_SECRET: "workers-test-webhook-secret",
  LINK_SECRET: "workers-test-link-secret-0123456789",
  SANDBOX_HOST_SECRET: "workers-test-sandbox-host-secret",
  PUBLIC_URL: "http://understudy.test",
} as const;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // The Worker plus a double of the Sandbox SDK's object (the real one needs a container runtime).
      main: "./test/workers/main.ts",
      miniflare: {
        bindings: TEST_BINDINGS,
        durableObjects: { SANDBOX: { className: "SandboxDouble", useSQLite: true } },
        outboundService: (request: Request) =>
          new Response(`offline test run: ${request.method} ${request.url} is not reachable`, {
            status: 503,
          }),
      },
    }),
  ],
  resolve: {
    alias: {
      // Same reason as wrangler.toml's [alias]: pino's browser build crashes pino-http in workerd.
      pino: path.join(root, "node_modules/pino/pino.js"),
      // Required from CommonJS by pino-pretty (under Probot's logger); the pool resolves with the
      // "import" condition first and hands require() their ES builds, which have no CommonJS exports.
      // wrangler's esbuild picks the "require" entries, as these do.
      colorette: path.join(root, "node_modules/colorette/index.cjs"),
      "fast-copy": path.join(root, "node_modules/fast-copy/dist/cjs/index.cjs"),
    },
  },
  test: {
    include: ["test/workers/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    // The Worker logs a JSON line per socket close and the like; shown only for a failing test.
    silent: "passed-only",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
