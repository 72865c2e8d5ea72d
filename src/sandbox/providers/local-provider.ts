/**
 * Client of the local sandbox host (src/sandbox/host), a Node process on loopback that runs one
 * bridge per session in its own directory and PID namespace. The routes it calls are listed in
 * src/sandbox/host/sandbox-host-app.ts; host-provider-contract.test.ts runs this client against them.
 */
import { SandboxHandle, type SandboxSpec } from "../../core/wire.js";
import { type SandboxProvider, SandboxProviderError } from "./sandbox-provider.js";

export function localProvider(opts: { hostUrl: string; secret: string }): SandboxProvider {
  const headers = { authorization: `Bearer ${opts.secret}`, "content-type": "application/json" };
  const url = (path: string) => new URL(path, opts.hostUrl).toString();
  return {
    async spawn(spec: SandboxSpec) {
      let res: Response;
      try {
        res = await fetch(url("/sandboxes"), { method: "POST", headers, body: JSON.stringify(spec) });
      } catch (error) {
        throw new SandboxProviderError(
          `the local sandbox host at ${opts.hostUrl} is not reachable (${String(error)})`,
        );
      }
      const text = await res.text();
      if (!res.ok)
        throw new SandboxProviderError(
          `the local sandbox host answered ${res.status}: ${text.slice(0, 500)}`,
        );
      const handle = SandboxHandle.safeParse(parseJson(text));
      if (!handle.success)
        throw new SandboxProviderError(`the local sandbox host answered an unexpected body`);
      return handle.data;
    },
    async stop(sandboxId: string) {
      const res = await fetch(url(`/sandboxes/${encodeURIComponent(sandboxId)}`), {
        method: "DELETE",
        headers,
      });
      await res.body?.cancel();
      if (!res.ok && res.status !== 404)
        throw new SandboxProviderError(`stopping ${sandboxId} failed: ${res.status}`);
    },
  };
}

/** The body as JSON, or undefined: a proxy's HTML error page must not escape as a SyntaxError. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
