/**
 * `npm run demo`: the whole story offline. Starts the real stack on 127.0.0.1 (workerd control plane,
 * sandbox host, real Claude Code CLI against a scripted model, GitHub stand-in with a git remote),
 * delivers a signed issue_comment webhook built from a real payload, and prints what GitHub would
 * show as it happens. Exits 0 once the PR exists and the final status comment links it.
 */
import { type Stack, startStack } from "../demo/start-stack.js";
import { waitFor } from "../demo/wait-for.js";
import { renderTerminalMarkdown } from "./render-terminal-markdown.js";

export const DEMO_COMMENT = "@understudy add a CONTRIBUTING.md that explains how to run the tests";

export type DemoResult = {
  ok: boolean;
  reason?: string;
  wallMs: number;
  reactionMs?: number;
  statusCommentMs?: number;
  /** Webhook sent → pull request opened, and → final status comment written. */
  pullRequestMs?: number;
  finalCommentMs?: number;
  transcriptUrl?: string;
  stack?: Stack;
};

export async function runDemo(
  opts: { keep?: boolean; quiet?: boolean; print?: (s: string) => void; unsafeNoIsolation?: boolean } = {},
): Promise<DemoResult> {
  const print = opts.quiet ? () => {} : (opts.print ?? ((s: string) => process.stdout.write(`${s}\n`)));
  const color = !opts.quiet && process.stdout.isTTY === true;
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const t0 = performance.now();
  const since = (at: number) => `+${Math.round(at - performance.timeOrigin - t0)} ms`;

  const stack = await startStack({
    commentIntervalMs: 1000,
    keepSandboxes: opts.keep === true,
    ...(opts.unsafeNoIsolation ? { isolation: "none" as const } : {}),
    hostLog: {
      info: () => {},
      warn: (m) => print(dim(`  [sandbox] ${m}`)),
      error: (m) => print(dim(`  [sandbox] ${m}`)),
    },
  });
  const { github } = stack;
  print(bold("Understudy demo: everything runs on this machine, offline"));
  print(dim(`  control plane (workerd)  ${stack.controlPlane.url}`));
  print(dim(`  sandbox host             ${stack.host.url}`));
  print(dim(`  scripted model API       ${stack.model.url}`));
  print(
    dim(
      `  GitHub stand-in          ${github.url}  (repo ${stack.owner}/${stack.repo}, issue #${stack.issueNumber})`,
    ),
  );
  print("");

  let reactionAt: number | undefined;
  let statusCommentAt: number | undefined;
  const showComment = (title: string, body: string, at: number) => {
    print(`${bold(title)} ${dim(since(at))}`);
    print(renderTerminalMarkdown(body, { color }));
  };
  github.events.on("reaction", (r, at) => {
    reactionAt ??= at;
    print(`${bold(`👀 reaction "${r.content}" on the comment`)} ${dim(since(at))}`);
  });
  github.events.on("comment_created", (c, at) => {
    if (c.user !== github.app.botLogin) return;
    statusCommentAt ??= at;
    showComment("💬 status comment created", c.body, at);
  });
  github.events.on("comment_updated", (c, at) => {
    if (c.user === github.app.botLogin)
      showComment(`✏️  status comment edited (edit ${c.history.length - 1})`, c.body, at);
  });
  github.events.on("push", (p, at) => {
    for (const ref of p.refs)
      print(
        `${bold(`⬆️  pushed ${ref.ref.replace("refs/heads/", "")}`)} → ${ref.after?.slice(0, 12)} ${dim(since(at))}`,
      );
  });
  github.events.on("pull_created", (pr, at) => {
    print(`${bold(`🔀 pull request #${pr.number} opened`)} ${dim(since(at))}`);
    print(`  title: ${pr.title}\n  head:  ${pr.head}\n  base:  ${pr.base}`);
    print(renderTerminalMarkdown(pr.body ?? "", { color }));
  });

  print(`${bold("📨 webhook issue_comment.created")}: "${DEMO_COMMENT}"`);
  const delivered = await stack.comment(DEMO_COMMENT);
  print(dim(`  POST /api/github/webhooks → ${delivered.response.status} ${await delivered.response.text()}`));

  const result: DemoResult = { ok: false, wallMs: 0 };
  try {
    const prUrlOf = (n: number) => `${github.url}/${stack.owner}/${stack.repo}/pull/${n}`;
    const final = await waitFor(
      "a pull request and a final status comment that links it",
      () => {
        const pr = github.state.pulls[0];
        const c = github.state.comments.find((x) => x.user === github.app.botLogin);
        if (!c) return undefined;
        if (/### (❌|🛑)/u.test(c.body)) throw new Error(`the session ended without success:\n${c.body}`);
        return pr && c.body.includes(prUrlOf(pr.number)) ? c : undefined;
      },
      120_000,
    );
    const transcriptUrl = final.body.match(/\((http[^)\s]+\/sessions\/[0-9a-f]{64}\?token=[^)\s]+)\)/)?.[1];
    Object.assign(result, { ok: true, transcriptUrl });
    print("");
    print(`${bold("✅ done")} in ${Math.round(performance.now() - t0)} ms. Transcript: ${transcriptUrl}`);
  } catch (error) {
    result.reason = error instanceof Error ? error.message : String(error);
    print(`\n❌ ${result.reason}`);
  }
  result.wallMs = performance.now() - t0;
  const start = delivered.receivedAt;
  if (reactionAt !== undefined) result.reactionMs = reactionAt - start;
  if (statusCommentAt !== undefined) result.statusCommentMs = statusCommentAt - start;
  const pr = github.state.pulls[0];
  if (result.ok && pr) {
    result.pullRequestMs = pr.createdAt - start;
    const final = github.state.comments.find((x) => x.user === github.app.botLogin);
    if (final) result.finalCommentMs = final.updatedAt - start;
  }
  if (opts.keep) result.stack = stack;
  else await stack.close();
  return result;
}
