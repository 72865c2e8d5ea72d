import { describe, expect, it } from "vitest";
import { at, BRANCH_URL, baseView, events, PR, stored } from "../../test/support/session-scenario.js";
import type { SessionEvent } from "../core/session-event.js";
import type { SessionView } from "../core/session-view.js";
import type { Event, SessionStatus } from "../core/wire.js";
import { renderPageParts } from "./render-page-parts.js";
import { changedPathsOf, FILES_SHOWN, transcriptFacts } from "./transcript-facts.js";

/** The parts as the server renders them, from a view and every event of the session. */
const parts = (view: SessionView, list: readonly SessionEvent[], now: Date, eventCount = list.length) =>
  renderPageParts(view, transcriptFacts(list, changedPathsOf(list), eventCount), now);

const oneRun = () => stored([1, events()]);
const NOW = new Date(at(65));

/** The details panel as `{ name: html }`. */
function details(html: string): Record<string, string> {
  return Object.fromEntries(
    [...html.matchAll(/<dt>([^<]*)<\/dt><dd>(.*?)<\/dd>(?=<dt>|<\/dl>)/g)].map((m) => [m[1], m[2]]),
  );
}

/** The run of the old scenario with the agent saying it failed. */
function agentFailedRun(): Event[] {
  return events().map((e) =>
    e.type === "execution_complete"
      ? { ...e, data: { success: false, error: "3 tests <failed>", summary: "I could not fix the tests." } }
      : e,
  );
}

describe("renderPageParts: the header, for every status", () => {
  const LIVE: [SessionStatus, string][] = [
    ["queued", "Starting…"],
    ["provisioning", "Starting…"],
    ["running", "Working…"],
    ["finishing", "Pushing &amp; opening PR…"],
  ];
  it.each(LIVE)("%s: its label, the working indicator and a ticking elapsed time", (status, label) => {
    const p = parts(baseView({ status }), oneRun(), NOW);
    expect(p.live).toBe(true);
    expect(p.status).toBe(status);
    expect(p.header).toContain(
      `<span class="badge st-${status}">${label}</span> <span class="working" role="status" aria-label="working"><i></i><i></i><i></i></span>`,
    );
    expect(p.header).toContain(
      '<span>started <time datetime="2026-11-24T02:14:00.000Z">02:14 UTC</time></span> <span class="elapsed" data-since="2026-11-24T02:14:00.000Z">1m 05s</span>',
    );
    expect(p.header).not.toContain("took");
    expect(p.header).not.toContain("banner");
    expect(p.title).toBe(
      `${label.replace("&amp;", "&")} · acme/widgets#12 · Add a greeting file · Understudy`,
    );
  });

  it("finishing a follow-up says the pull request is updated", () => {
    const p = parts(baseView({ status: "finishing", pr: PR }), oneRun(), NOW);
    expect(p.header).toContain('<span class="badge st-finishing">Pushing &amp; updating PR…</span>');
  });

  it("completed: how long it took, no indicator, no banner", () => {
    const p = parts(baseView({ status: "completed", finishedAt: at(53) }), oneRun(), new Date(at(600)));
    expect(p.live).toBe(false);
    expect(p.header).toContain(
      '<span class="badge st-completed">Done</span> <span>started <time datetime="2026-11-24T02:14:00.000Z">02:14 UTC</time></span> <span>took 53s</span>',
    );
    expect(p.header).not.toMatch(/working|data-since|banner/);
    expect(p.title).toBe("Done · acme/widgets#12 · Add a greeting file · Understudy");
  });

  it("failed: the badge and an alert banner with the error", () => {
    const view = baseView({
      status: "failed",
      finishedAt: at(70),
      error: "The sandbox stopped <answering>.",
    });
    const p = parts(view, stored([1, events().slice(0, 10)]), new Date(at(600)));
    expect(p.header).toContain('<span class="badge st-failed">Failed</span>');
    expect(p.header).toContain("<span>took 1m 10s</span>");
    expect(p.header).toContain(
      '<div class="banner bad" role="alert"><b>This run failed.</b> The sandbox stopped &lt;answering&gt;.</div>',
    );
    expect(p.header).not.toContain("working");
  });

  it("failed without an error on the session: the agent's error, else the last error event, else a plain word", () => {
    const failed = baseView({ status: "failed", finishedAt: at(70) });
    const errorEvent: Event = { seq: 99, at: at(60), type: "error", data: { message: "Out of memory" } };
    expect(parts(failed, stored([1, [...events().slice(0, 10), errorEvent]]), NOW).header).toContain(
      "<b>This run failed.</b> Out of memory</div>",
    );
    expect(parts(failed, stored([1, [...agentFailedRun(), errorEvent]]), NOW).header).toContain(
      "<b>This run failed.</b> 3 tests &lt;failed&gt;</div>",
    );
    expect(parts(failed, stored([1, events().slice(0, 10)]), NOW).header).toContain(
      "<b>This run failed.</b> The run ended without saying why; the log below has everything that happened.</div>",
    );
  });

  it("cancelled by a user: who stopped it, as a status rather than an alert", () => {
    const view = baseView({ status: "cancelled", finishedAt: at(72), stoppedBy: "alice" });
    const p = parts(view, stored([1, events().slice(0, 10)]), new Date(at(500)));
    expect(p.header).toContain('<span class="badge st-cancelled">Stopped</span>');
    expect(p.header).toContain("<span>took 1m 12s</span>");
    expect(p.header).toContain('<div class="banner" role="status"><b>Stopped by @alice.</b></div>');
    expect(p.header).not.toContain('role="alert"');
    const why = parts({ ...view, stoppedBy: null, error: "Stopped: the time limit." }, oneRun(), NOW);
    expect(why.header).toContain(
      '<div class="banner" role="status"><b>Stopped.</b> Stopped: the time limit.</div>',
    );
  });

  it("completed, but the agent reported an error: shown as failed, with the agent's error", () => {
    const view = baseView({ status: "completed", finishedAt: at(53) });
    const p = parts(view, stored([1, agentFailedRun()]), new Date(at(600)));
    expect(p.header).toContain('<span class="badge st-failed">Failed</span>');
    expect(p.header).not.toContain("Done");
    expect(p.header).toContain(
      '<div class="banner bad" role="alert"><b>The agent reported an error.</b> 3 tests &lt;failed&gt;</div>',
    );
    expect(p.heads[0]?.html).toMatch(/^Run 1 <span class="muted">· Failed · 53s/);
    // The browser's tab says it too: never "Done" for a run the agent said failed.
    expect(p.title).toBe("Failed · acme/widgets#12 · Add a greeting file · Understudy");
  });

  it("a follow-up run says its number; the first does not", () => {
    expect(parts(baseView(), oneRun(), NOW).header).not.toContain("<span>run ");
    expect(parts(baseView({ run: 3 }), oneRun(), NOW).header).toContain(" <span>run 3</span></p>");
  });
});

describe("renderPageParts: the header's links", () => {
  it("links the repository, the issue, the requester, the pull request, the branch and the compare view", () => {
    const view = baseView({ status: "completed", finishedAt: at(53), branchUrl: BRANCH_URL, pr: PR });
    const { header } = parts(view, oneRun(), new Date(at(600)));
    expect(header).toContain(
      '<p class="crumbs"><a href="https://github.com/acme/widgets" rel="nofollow noopener noreferrer">acme/widgets</a> · <a href="https://github.com/acme/widgets/issues/12" rel="nofollow noopener noreferrer">Issue #12</a></p>',
    );
    expect(header).toContain(
      'requested by <a href="https://github.com/octocat" rel="nofollow noopener noreferrer">@octocat</a>',
    );
    expect(header).toContain(
      '<nav><a href="https://github.com/acme/widgets/pull/13" rel="nofollow noopener noreferrer">Pull request #13</a> · <a href="https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file" rel="nofollow noopener noreferrer">Branch <code>understudy/12-add-a-greeting-file</code></a> · <a href="https://github.com/acme/widgets/compare/',
    );
  });

  it("a pull request's session links the pull request, and nothing to compare before a push", () => {
    const { header } = parts(baseView({ isPullRequest: true }), oneRun(), NOW);
    expect(header).toContain(
      '<a href="https://github.com/acme/widgets/pull/12" rel="nofollow noopener noreferrer">PR #12</a>',
    );
    expect(header).not.toContain("<nav>");
    expect(header).not.toContain("Compare");
  });

  it("encodes the branches in the compare link: a branch name cannot add a query, a fragment or a path", () => {
    const view = baseView({
      branchUrl: BRANCH_URL,
      baseBranch: "release/1.x",
      branch: 'feat/a b#c?d=1&e="x"',
      repo: { owner: "acme", name: "wid gets" },
    });
    const { header } = parts(view, oneRun(), NOW);
    const href = /<a href="([^"]*)"[^>]*>Compare\b/.exec(header)?.[1];
    expect(href).toBeDefined();
    const raw = (href ?? "")
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
    expect(raw).not.toMatch(/[\s"#?&]/);
    const url = new URL(raw);
    expect(url.origin).toBe("https://github.com");
    expect(url.search).toBe("");
    expect(url.hash).toBe("");
    expect(decodeURIComponent(url.pathname)).toBe(
      '/acme/wid gets/compare/release/1.x...feat/a b#c?d=1&e="x"',
    );
    expect(header).toContain("Branch <code>feat/a b#c?d=1&amp;e=&quot;x&quot;</code>");
  });

  it("GitHub Enterprise: links go to the host GitHub gave the pull request", () => {
    const view = baseView({ pr: { number: 13, url: "https://ghe.example.com/acme/widgets/pull/13" } });
    const { header, details: panel } = parts(view, oneRun(), NOW);
    expect(header).toContain('<a href="https://ghe.example.com/acme/widgets"');
    expect(header).toContain('<a href="https://ghe.example.com/octocat"');
    expect(panel).toContain('<a href="https://ghe.example.com/acme/widgets/issues/12"');
    expect(header).not.toContain("https://github.com");
  });
});

describe("renderPageParts: the details panel", () => {
  it("names the agent and its default model, and adds up the session", () => {
    const view = baseView({ status: "completed", finishedAt: at(53), branchUrl: BRANCH_URL, pr: PR });
    const d = details(parts(view, oneRun(), new Date(at(600))).details);
    expect(d).toEqual({
      Repository:
        '<a href="https://github.com/acme/widgets" rel="nofollow noopener noreferrer">acme/widgets</a>',
      Issue: '<a href="https://github.com/acme/widgets/issues/12" rel="nofollow noopener noreferrer">#12</a>',
      Agent: "Claude Code",
      Model: "the agent's default",
      Branch: `<a href="${BRANCH_URL}" rel="nofollow noopener noreferrer"><code>understudy/12-add-a-greeting-file</code></a>`,
      "Pull request":
        '<a href="https://github.com/acme/widgets/pull/13" rel="nofollow noopener noreferrer">#13</a>',
      "Files changed": "1<details><summary>show</summary><ul><li><code>HELLO.md</code></li></ul></details>",
      Duration: "53s",
      Tokens: "2.9k tokens",
      Cost: "$0.03",
      Turns: "2",
      Runs: "1",
      Events: "21",
    });
  });

  it("a chosen model, another agent, nothing yet", () => {
    const d = details(parts(baseView({ model: "gpt-5-codex", agent: "codex" }), [], NOW).details);
    expect(d.Agent).toBe("Codex");
    expect(d.Model).toBe("<code>gpt-5-codex</code>");
    expect(d.Branch).toBe("<code>understudy/12-add-a-greeting-file</code>");
    expect(d["Pull request"]).toBe("none yet");
    expect(d["Files changed"]).toBe("none");
    expect(d.Tokens).toBe("none reported");
    expect(d.Cost).toBe("none reported");
    expect(d.Turns).toBe("0");
    expect(d.Runs).toBe("1");
    expect(d.Events).toBe("0");
    expect(details(parts(baseView({ agent: "aider <x>" }), [], NOW).details).Agent).toBe("aider &lt;x&gt;");
  });

  it("lists the changed files once each, the first few hundred, and counts the rest", () => {
    const writes: Event[] = Array.from({ length: FILES_SHOWN + 5 }, (_, i) => ({
      seq: i + 1,
      at: at(i),
      type: "tool_call",
      data: {
        callId: `w${i}`,
        kind: i % 2 ? "edit" : "write",
        name: "Write",
        path: `src/f${i}.ts`,
        status: "completed",
      },
    }));
    const again: Event = {
      seq: 999,
      at: at(999),
      type: "tool_call",
      data: { callId: "r", kind: "edit", name: "Edit", path: "src/f0.ts", status: "completed" },
    };
    const read: Event = {
      seq: 1000,
      at: at(1000),
      type: "tool_call",
      data: { callId: "q", kind: "read", name: "Read", path: "README.md", status: "completed" },
    };
    const d = details(parts(baseView(), stored([1, [...writes, again, read]]), NOW, 12_345).details);
    const files = d["Files changed"] ?? "";
    expect(files.startsWith("205<details><summary>show</summary><ul><li><code>src/f0.ts</code></li>")).toBe(
      true,
    );
    expect(files.match(/<li><code>/g)).toHaveLength(FILES_SHOWN);
    expect(files).toContain(
      `<li><code>src/f${FILES_SHOWN - 1}.ts</code></li><li class="muted">and 5 more</li></ul>`,
    );
    expect(files).not.toContain("README.md");
    expect(d.Events).toBe("12,345");
  });

  it("over several runs: this run's time and the whole session's, every run's usage", () => {
    const { view, list } = twoRuns();
    const d = details(parts(view, list, new Date(at(1_030))).details);
    expect(d.Duration).toBe("30s this run · 1m 23s in all");
    expect(d.Tokens).toBe("3.8k tokens");
    expect(d.Cost).toBe("$0.04");
    expect(d.Turns).toBe("3");
    expect(d.Runs).toBe("2");
    expect(
      details(parts({ ...view, run: 3, status: "queued" }, list, new Date(at(1_030))).details).Runs,
    ).toBe("3");
  });
});

/** Run 1 of the scenario, then run 2: a follow-up by alice, still working. */
function twoRuns(): { view: SessionView; list: SessionEvent[] } {
  const second: Event[] = [
    { seq: 0, at: at(1_000), type: "session_status", data: { status: "queued" } },
    {
      seq: 22,
      at: at(1_004),
      type: "user_message",
      data: { text: "Now add a French greeting.", author: "alice" },
    },
    {
      seq: 23,
      at: at(1_005),
      type: "tool_call",
      data: { callId: "r2", kind: "read", name: "Read", path: "HELLO.md", status: "running" },
    },
    {
      seq: 24,
      at: at(1_006),
      type: "step_finish",
      data: { tokens: { input: 900, output: 10 }, costUsd: 0.004 },
    },
  ];
  return {
    view: baseView({ run: 2, runStartedAt: at(1_000), branchUrl: BRANCH_URL, pr: PR }),
    list: stored([1, events()], [2, second]),
  };
}

describe("renderPageParts: run headings", () => {
  it("each run with how it ended, how long it took, who asked and what it cost; the current one live", () => {
    const { view, list } = twoRuns();
    const p = parts(view, list, new Date(at(1_030)));
    expect(p.heads).toEqual([
      {
        run: 1,
        html: 'Run 1 <span class="muted">· Done · 53s · asked by @octocat · 2.9k tokens · $0.03</span>',
      },
      // The current run's clock ticks in the header; its heading does not repeat it.
      {
        run: 2,
        html: 'Run 2 <span class="muted">· Working… · asked by @alice · 910 tokens · &lt;$0.01</span>',
      },
    ]);
  });

  it("a past run the agent said failed reads Failed; a run not started yet has a heading too", () => {
    const first = agentFailedRun();
    const view = baseView({ run: 3, status: "queued", runStartedAt: at(2_000), pr: PR });
    const p = parts(view, stored([1, first], [2, events()]), new Date(at(2_002)));
    expect(p.heads.map((h) => h.html)).toEqual([
      'Run 1 <span class="muted">· Failed · 53s · asked by @octocat · 2.9k tokens · $0.03</span>',
      'Run 2 <span class="muted">· Done · 53s · asked by @octocat · 2.9k tokens · $0.03</span>',
      'Run 3 <span class="muted">· Starting…</span>',
    ]);
  });

  it("escapes who asked", () => {
    const list = stored([
      1,
      [{ seq: 1, at: at(1), type: "user_message", data: { text: "x", author: "<b>eve</b>" } }],
    ]);
    expect(parts(baseView(), list, NOW).heads[0]?.html).toBe(
      'Run 1 <span class="muted">· Working… · asked by @&lt;b&gt;eve&lt;/b&gt;</span>',
    );
  });
});

describe("renderPageParts: outcome and queue", () => {
  it("does not say the summary twice when the log already has it", () => {
    const summary = "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.";
    const view = baseView({ status: "completed", finishedAt: at(53), summary });
    expect(parts(view, oneRun(), NOW).outcome).toBe("");
    const other = parts({ ...view, summary: "All **done**." }, oneRun(), NOW).outcome;
    expect(other).toBe(
      '<section class="outcome st-completed"><h2>Summary</h2><div class="md"><p>All <strong>done</strong>.</p>\n</div></section>',
    );
  });

  it("a failed session's error at the end, unless the log said it", () => {
    const view = baseView({ status: "failed", finishedAt: at(9), error: "The sandbox stopped answering." });
    expect(parts(view, [], NOW).outcome).toBe(
      '<section class="outcome st-failed"><h2>Failed</h2><pre class="bad">The sandbox stopped answering.</pre></section>',
    );
    const said: Event = {
      seq: 1,
      at: at(1),
      type: "error",
      data: { message: "The sandbox stopped answering." },
    };
    expect(parts(view, stored([1, [said]]), NOW).outcome).toBe("");
  });

  it("a stop says how many queued requests it cleared", () => {
    const view = baseView({ status: "cancelled", finishedAt: at(72), stoppedBy: "alice", queueCleared: 2 });
    expect(parts(view, [], NOW).outcome).toBe(
      '<section class="outcome st-cancelled"><h2>Stopped</h2><p>The stop cleared 2 queued requests: they will not run.</p></section>',
    );
    expect(parts({ ...view, queueCleared: 1 }, [], NOW).outcome).toContain(
      "cleared 1 queued request: it will not run.",
    );
    expect(parts({ ...view, queueCleared: 0 }, [], NOW).outcome).toBe("");
  });

  it("lists what is queued next, in order, with who asked", () => {
    const view = baseView({
      queue: [
        { author: "alice", text: "add tests for **the greeting**" },
        { author: "bob", text: "rename it" },
      ],
    });
    const { queue } = parts(view, [], NOW);
    expect(queue).toContain('<section class="queue"><h2>Queued next: 2 requests</h2><ol><li>');
    expect(queue).toContain(
      '<div class="who"><a href="https://github.com/alice" rel="nofollow noopener noreferrer">@alice</a></div><div class="md"><p>add tests for <strong>the greeting</strong></p>',
    );
    expect(queue.indexOf("@alice")).toBeLessThan(queue.indexOf("@bob"));
    expect(parts({ ...view, queue: [view.queue[0]!] }, [], NOW).queue).toContain(
      "Queued next: 1 request</h2>",
    );
    expect(parts(baseView(), [], NOW).queue).toBe("");
  });
});
