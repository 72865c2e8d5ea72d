/**
 * `understudy status|stop|events <session>`: the REST API from a terminal. `<session>` is a session id
 * or a transcript link (its id is taken from the path). The control plane's URL and admin token come
 * from UNDERSTUDY_URL (default http://127.0.0.1:8787) and UNDERSTUDY_ADMIN_TOKEN.
 */
export type SessionCommandInput = {
  command: "status" | "stop" | "events";
  session: string;
  url: string;
  token: string | undefined;
  fetch?: typeof fetch;
};

export type SessionCommandResult = { code: number; output: string };

export function sessionIdOf(arg: string): string | null {
  const fromPath = /\/sessions\/([0-9a-f]{64})/.exec(arg)?.[1];
  if (fromPath) return fromPath;
  return /^[0-9a-f]{64}$/.test(arg) ? arg : null;
}

export async function runSessionCommand(input: SessionCommandInput): Promise<SessionCommandResult> {
  const id = sessionIdOf(input.session);
  if (!id) return { code: 2, output: `not a session id or transcript link: ${input.session}` };
  if (!input.token)
    return { code: 2, output: "set UNDERSTUDY_ADMIN_TOKEN to the control plane's ADMIN_TOKEN" };
  const base = `${input.url.replace(/\/$/, "")}/api/sessions/${id}`;
  const request =
    input.command === "stop"
      ? new Request(`${base}/stop`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ by: process.env.USER?.replace(/[^A-Za-z0-9-]/g, "").slice(0, 39) || "cli" }),
        })
      : new Request(input.command === "events" ? `${base}/events` : base);
  request.headers.set("authorization", `Bearer ${input.token}`);
  const res = await (input.fetch ?? fetch)(request);
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: shown as it came
  }
  if (!res.ok && res.status !== 409) {
    const error = (json as { error?: string })?.error ?? text;
    return { code: 1, output: `${res.status}: ${error}` };
  }
  return { code: 0, output: describe(input.command, json) };
}

function describe(command: SessionCommandInput["command"], json: unknown): string {
  if (command === "status") {
    const s = (json as { status?: Record<string, unknown> }).status ?? {};
    const queue = (s.queue as { author: string; text: string }[] | undefined) ?? [];
    return [
      `state: ${String(s.state)} (run ${String(s.run)})`,
      s.step ? `step:  ${String(s.step)}` : null,
      s.branch ? `branch: ${String(s.branch)}` : null,
      s.pr ? `pr:    ${(s.pr as { url: string }).url}` : null,
      `queue: ${queue.length === 0 ? "empty" : queue.map((q) => `@${q.author}: ${q.text}`).join(" | ")}`,
    ]
      .filter((l) => l !== null)
      .join("\n");
  }
  if (command === "stop") {
    const o = json as { outcome: string; queueCleared?: number };
    const messages: Record<string, string> = {
      stopping: "stopping: the sandbox is saving the agent's work, then the run ends cancelled",
      stopped: "stopped",
      idle: "nothing is running",
      finishing: "the agent already finished; its pull request is being opened and cannot be stopped",
    };
    const cleared = o.queueCleared ? ` (cleared ${o.queueCleared} queued)` : "";
    return `${messages[o.outcome] ?? o.outcome}${cleared}`;
  }
  return JSON.stringify(json, null, 2);
}
