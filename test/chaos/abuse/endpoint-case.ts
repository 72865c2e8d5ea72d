/** Abuse case: the transcript and sandbox endpoints with tokens that are not theirs. */
import { waitFor } from "../../../src/demo/wait-for.js";
import { type AbuseContext, settle } from "./abuse-context.js";
import { alnum, nonce } from "./corpus.js";
import { botComments, finishedRun } from "./harness.js";
import { upgradeStatus } from "./raw-http.js";

/** Transcript and sandbox endpoints refuse wrong, empty, other sessions' and expired tokens. */
export async function endpointTokens(ctx: AbuseContext): Promise<void> {
  const { stack, routes, runs, specs } = ctx;
  const base = stack.controlPlane.url;
  const failures: string[] = [];
  const finishedIssue = stack.createIssue("A finished session");
  await stack.comment(`@understudy reply with a greeting abuse-${nonce()}`, { issueNumber: finishedIssue });
  const f = await finishedRun(stack, finishedIssue);
  runs.push(f);
  const fSpec = specs.find((s) => s.sessionId === f.sessionId);

  // A session kept running (the agent sleeps) while the probes go in.
  const n = `abuse-${nonce()}`;
  routes.set(n, ({ turn }) =>
    turn === 0
      ? {
          blocks: [{ type: "tool_use", name: "Bash", input: { command: "sleep 15", description: "Wait" } }],
        }
      : { blocks: [{ type: "text", text: "Waited." }] },
  );
  const liveIssue = stack.createIssue("A live session");
  await stack.comment(`@understudy wait a while ${n}`, { issueNumber: liveIssue });
  const link = await waitFor(
    "the live session's transcript link",
    () =>
      botComments(stack, liveIssue)
        .map((c) => /\/sessions\/([0-9a-f]{64})\?token=([^)\s]+)\)/.exec(c.body))
        .find(Boolean),
    30_000,
  );
  const [, liveId, liveLink] = link as unknown as [string, string, string];
  await waitFor(
    "the live agent to start",
    () => stack.model.requests.some((r) => JSON.stringify(r.body).includes(n)),
    30_000,
  );
  const lSpec = specs.find((s) => s.sessionId === liveId);
  if (!fSpec || !lSpec)
    throw new Error("no sandbox spec was captured: the spawnBridge wrapper no longer applies");
  const isTerminal = () => botComments(stack, liveIssue).some((c) => /^### (✅|❌|⏹️)/mu.test(c.body));

  const page = (id: string, token: string | null, events = false) =>
    `${base}/sessions/${id}${events ? "/events" : ""}${token === null ? "" : `?token=${encodeURIComponent(token)}`}`;
  const gitToken = async (id: string, auth: string | null) => {
    const res = await fetch(`${base}/sessions/${id}/sandbox/git-token`, {
      method: "POST",
      headers: auth === null ? {} : { authorization: auth },
      signal: AbortSignal.timeout(15_000),
    });
    await res.body?.cancel();
    return res.status;
  };
  const socket = async (id: string, auth: string | null) =>
    (
      await upgradeStatus(
        `${base.replace(/^http/, "ws")}/sessions/${id}/sandbox`,
        auth === null ? {} : { authorization: auth },
      )
    ).status;
  const get = async (url: string) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    await res.body?.cancel();
    return res.status;
  };

  // Positive controls: the probes below hit live endpoints, not ones that refuse everything.
  const controls: Array<[string, number | null, number]> = [
    ["live transcript page", await get(page(liveId, liveLink)), 200],
    ["live transcript events", await get(page(liveId, liveLink, true)), 200],
    ["finished transcript page", await get(f.transcriptUrl), 200],
    ["live git-token with its bearer", await gitToken(liveId, `Bearer ${lSpec.token}`), 200],
    ["live socket with its bearer", await socket(liveId, `Bearer ${lSpec.token}`), 101],
  ];
  for (const [name, got, want] of controls)
    if (got !== want) failures.push(`control ${name}: ${got}, wanted ${want}`);

  const random = () => alnum(43);
  const notSessions = ["ab".repeat(32), "not-an-id", liveId.toUpperCase()];
  type Probe = { name: string; status: () => Promise<number | null>; want: number[] };
  const probes: Probe[] = [];
  for (const [label, id, token, otherToken] of [
    ["live", liveId, liveLink, f.linkToken],
    ["finished", f.sessionId, f.linkToken, liveLink],
  ] as const) {
    for (const events of [false, true]) {
      const what = `${label} ${events ? "events JSON" : "transcript page"}`;
      for (const [form, t] of [
        ["a wrong token", random()],
        ["the other session's token", otherToken],
        ["an empty token", ""],
        ["no token", null],
        ["the token minus its last character", token.slice(0, -1)],
        ["the token plus a character", `${token}A`],
        ["the sandbox bearer", label === "live" ? lSpec.token : fSpec.token],
      ] as const) {
        probes.push({ name: `${what} with ${form}`, status: () => get(page(id, t, events)), want: [404] });
      }
    }
  }
  const bearerForms = [
    ["live", liveId, null, "no Authorization"],
    ["live", liveId, "Bearer ", "an empty bearer"],
    ["live", liveId, `Bearer ${random()}`, "a wrong bearer"],
    ["live", liveId, `Bearer ${fSpec.token}`, "another (finished) session's bearer"],
    ["live", liveId, `Bearer ${liveLink}`, "its transcript token as bearer"],
    ["live", liveId, `Bearer ${lSpec.token}x`, "its bearer plus a character"],
    ["live", liveId, lSpec.token, "its bearer without the scheme"],
    ["finished", f.sessionId, `Bearer ${fSpec.token}`, "its own expired bearer"],
    ["finished", f.sessionId, `Bearer ${lSpec.token}`, "another (live) session's bearer"],
    ["finished", f.sessionId, null, "no Authorization"],
  ] as const;
  for (const [label, id, auth, form] of bearerForms) {
    probes.push({ name: `${label} git-token with ${form}`, status: () => gitToken(id, auth), want: [401] });
    probes.push({
      name: `${label} sandbox socket with ${form}`,
      status: () => socket(id, auth),
      want: [401],
    });
  }
  for (const id of notSessions) {
    probes.push({
      name: `git-token of non-session ${id.slice(0, 12)}`,
      status: () => gitToken(id, `Bearer ${lSpec.token}`),
      want: [401, 404],
    });
    probes.push({
      name: `socket of non-session ${id.slice(0, 12)}`,
      status: () => socket(id, `Bearer ${lSpec.token}`),
      want: [401, 404],
    });
    probes.push({
      name: `transcript of non-session ${id.slice(0, 12)}`,
      status: () => get(page(id, liveLink)),
      want: [404],
    });
  }

  let survived = 0;
  let letIn = 0;
  for (const p of probes) {
    const status = await p.status();
    if (status !== null && p.want.includes(status)) survived++;
    else failures.push(`${p.name}: ${status}, wanted ${p.want.join(" or ")}`);
    if (status !== null && (status < 300 || status === 101)) letIn++;
  }
  if (isTerminal()) failures.push("the live session ended before the probes did: lengthen its sleep");

  // Once the run is over its bearer is expired too.
  const l = await finishedRun(stack, liveIssue);
  runs.push(l);
  const expired: Probe[] = [
    {
      name: "live git-token with its bearer after the run",
      status: () => gitToken(liveId, `Bearer ${lSpec.token}`),
      want: [401],
    },
    {
      name: "live socket with its bearer after the run",
      status: () => socket(liveId, `Bearer ${lSpec.token}`),
      want: [401],
    },
  ];
  for (const p of expired) {
    const status = await p.status();
    if (status !== null && p.want.includes(status)) survived++;
    else failures.push(`${p.name}: ${status}, wanted ${p.want.join(" or ")}`);
    if (status !== null && (status < 300 || status === 101)) letIn++;
  }
  settle(
    {
      name: "Transcript and sandbox endpoints with wrong, empty, other sessions' and expired tokens → 404 / 401",
      tried: probes.length + expired.length,
      survived,
      letIn,
      notes: `${controls.length} positive controls (right tokens) answered ${controls.map(([, s]) => s).join("/")}`,
    },
    failures,
  );
}
