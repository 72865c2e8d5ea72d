/**
 * Client of the sandbox host (src/sandbox/host), a Node process that runs one bridge per session in
 * its own directory and PID namespace: `local` on this machine's loopback, `remote` on another
 * machine behind HTTPS (docs/remote-sandbox-host.md). The routes it calls are listed in
 * src/sandbox/host/sandbox-host-app.ts; host-provider-contract.test.ts runs this client against them.
 */
import { SandboxHandle, type SandboxSpec } from "../../core/wire.js";
import { type SandboxProvider, SandboxProviderError } from "./sandbox-provider.js";

export function hostProvider(opts: {
  hostUrl: string;
  secret: string;
  where: "local" | "remote";
  /** How requests go out; the global fetch unless a test routes them. */
  fetch?: typeof fetch;
}): SandboxProvider {
  const fetch = opts.fetch ?? globalThis.fetch;
  const host = `the ${opts.where} sandbox host at ${opts.hostUrl}`;
  const headers = { authorization: `Bearer ${opts.secret}`, "content-type": "application/json" };
  const url = (path: string) => new URL(path, opts.hostUrl).toString();
  return {
    async spawn(spec: SandboxSpec) {
      let res: Response;
      try {
        res = await fetch(url("/sandboxes"), { method: "POST", headers, body: JSON.stringify(spec) });
      } catch (error) {
        throw new SandboxProviderError(`${host} is not reachable (${String(error)})`);
      }
      const text = await res.text();
      if (res.status === 401)
        throw new SandboxProviderError(`${host} refused this control plane's SANDBOX_HOST_SECRET (401)`);
      if (!res.ok) throw new SandboxProviderError(`${host} answered ${res.status}: ${text.slice(0, 500)}`);
      const handle = SandboxHandle.safeParse(parseJson(text));
      if (!handle.success) throw new SandboxProviderError(`${host} answered an unexpected body`);
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
