/** Types of `cloudflare:workers`' `env` and `exports` in these tests: the Worker's own. */
import type { Env as WorkerEnv } from "../../worker/env.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** The Sandbox SDK's binding, bound to its double here (vitest.workers.config.ts). */
      SANDBOX: DurableObjectNamespace<import("./sandbox-double.js").SandboxDouble>;
    }
    interface GlobalProps {
      mainModule: typeof import("./main.js");
    }
  }
}
