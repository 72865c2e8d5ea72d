/** Types of `cloudflare:workers`' `env` and `exports` in these tests: the Worker's own. */
import type { Env as WorkerEnv } from "../../worker/env.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("../../worker/index.js");
    }
  }
}
