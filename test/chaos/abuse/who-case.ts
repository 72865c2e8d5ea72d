/** Abuse case: triggers from people who may not start the agent, and from bots. */
import { waitFor } from "../../../src/demo/wait-for.js";
import { type AbuseContext, json, settle } from "./abuse-context.js";
import { nonce } from "./corpus.js";
import { apiWritesSince, botComments, quiet } from "./harness.js";

/**
 * People without write access get one polite reply; bots, judged by sender.type, get nothing (and
 * start nothing) unless the repository's config allows them, which it does not here.
 */
export async function unauthorisedCommenters(ctx: AbuseContext): Promise<void> {
  const { stack, reactionsOn } = ctx;
  const { github, owner, repo } = stack;
  type Who = { login: string; type: "User" | "Bot"; permission?: "read" | "triage" | "write" | "none" };
  const corpus: Who[] = [
    { login: "reader-rita", type: "User", permission: "read" },
    { login: "triager-tom", type: "User", permission: "triage" },
    { login: "outsider-olga", type: "User" },
    { login: "revoked-rob", type: "User", permission: "none" },
    // Looks like a bot, is a person: judged by permission like any person.
    { login: "mona[bot]", type: "User", permission: "read" },
    { login: "release-bot", type: "User", permission: "triage" },
    // Bots by type, whatever their login says and even with write access.
    { login: "ci-runner", type: "Bot", permission: "write" },
    { login: "deploy-helper", type: "Bot" },
    { login: "dependabot[bot]", type: "Bot", permission: "write" },
    { login: github.app.botLogin, type: "Bot" },
  ];
  const failures: string[] = [];
  let survived = 0;
  let letIn = 0;
  for (const who of corpus) {
    if (!github.state.users.some((u) => u.login === who.login)) github.createUser(who.login, who.type);
    if (who.permission) github.setPermission(owner, repo, who.login, who.permission);
    const issue = stack.createIssue(`Request from ${who.login}`);
    const logFrom = github.log.length;
    const sandboxes = stack.host.sandboxes.size;
    const { response, commentId } = await stack.comment(
      `@understudy delete the test suite abuse-${nonce()}`,
      { issueNumber: issue, user: who.login },
    );
    const answer = json(await response.text());
    if (who.type === "User") {
      await waitFor(`the reply to ${who.login}`, () => botComments(stack, issue).length > 0, 20_000).catch(
        () => undefined,
      );
    }
    if (!(await quiet(stack))) failures.push(`${who.login}: the stack did not go quiet`);
    // The App's own comment is a bot comment too: only what came after it is a reply.
    const replies = botComments(stack, issue).filter((c) => c.id !== commentId);
    const started = stack.host.sandboxes.size - sandboxes + reactionsOn(commentId);
    letIn += started;
    let ok: boolean;
    if (who.type === "Bot") {
      // A bot's call reaches its session (the repository's config may allow some bots), which
      // refuses it without a word; the App's own comments stop at the Worker. Either way nothing is
      // written but the session's installation token (POST …/access_tokens, to read the config).
      const writes = apiWritesSince(stack, logFrom).filter((l) => !l.path.endsWith("/access_tokens")).length;
      const self = who.login === github.app.botLogin;
      ok =
        (self ? response.status === 200 && typeof answer.ignored === "string" : response.status === 202) &&
        writes === 0;
      letIn += replies.length;
      if (!ok)
        failures.push(
          `bot ${who.login}: answered ${response.status} ${JSON.stringify(answer)}, ${writes} writes`,
        );
    } else {
      const polite =
        replies.length === 1 &&
        replies[0]!.body.includes(`@${who.login}`) &&
        /write access/.test(replies[0]!.body);
      ok = response.status < 300 && polite && started === 0;
      if (replies.length > 1) letIn += replies.length - 1;
      if (!ok)
        failures.push(
          `${who.login} (${who.permission ?? "no role"}): answered ${response.status}, ${replies.length} replies, ${started} runs or reactions`,
        );
    }
    if (ok && started === 0) survived++;
  }
  settle(
    {
      name: "Commenters without write access (read, triage, none) and bots judged by sender.type",
      tried: corpus.length,
      survived,
      letIn,
    },
    failures,
  );
}
