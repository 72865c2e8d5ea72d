/** Abuse case: prompt injection through content a reader of GitHub cannot see. */
import { type AbuseContext, settle } from "./abuse-context.js";
import { alnum, HIDDEN_CORPUS, invisibleIn, nonce } from "./corpus.js";
import { allStrings, botComments, type FinishedRun, finishedRun } from "./harness.js";

/**
 * Hidden content (HTML comments, format characters, bidi controls, tags, fillers) in the comment, the
 * issue body and the title never reaches the agent's prompt, the status comment or the transcript's events.
 */
export async function hiddenContent(ctx: AbuseContext): Promise<void> {
  const { stack, runs } = ctx;
  const failures: string[] = [];
  let survived = 0;
  let letIn = 0;
  for (const entry of HIDDEN_CORPUS) {
    const n = `abuse-${nonce()}`;
    const secret = `SECRET${alnum(16)}`;
    const payload = entry.payload(secret);
    const invisibleOnly = [...payload].filter((c) => invisibleIn(c).length > 0).join("");
    const issue = stack.createIssue(
      `Hidden ${entry.name.split(" ")[0]} ${invisibleOnly}check`,
      `Please greet the reader. ${payload}`,
    );
    const { response } = await stack.comment(`@understudy reply with a short greeting ${n} ${payload}`, {
      issueNumber: issue,
    });
    const problems: string[] = [];
    if (response.status >= 300) problems.push(`answered ${response.status}`);
    let run: FinishedRun | undefined;
    try {
      run = await finishedRun(stack, issue);
      runs.push(run);
    } catch (error) {
      problems.push(String(error));
    }
    const hidden = entry.hiddenText(secret);
    const sinks: Array<[string, string]> = [];
    const prompts = stack.model.requests.filter((r) => JSON.stringify(r.body).includes(n));
    if (prompts.length === 0) problems.push("the task never reached the model");
    sinks.push(["prompt", prompts.flatMap((r) => allStrings(r.body)).join("\n")]);
    sinks.push([
      "status comment",
      botComments(stack, issue)
        .flatMap((c) => [c.body, ...c.history.map((h) => h.body)])
        .join("\n"),
    ]);
    if (run) {
      const events = await fetch(run.eventsUrl);
      // The agent's side of the transcript (the prompt as the bridge reports it, and what followed);
      // the session view repeats the issue title as GitHub shows it and is no route to the agent.
      if (events.ok)
        sinks.push([
          "transcript events",
          allStrings(((await events.json()) as { events?: unknown }).events ?? null).join("\n"),
        ]);
      else problems.push(`the transcript events JSON answered ${events.status}`);
    }
    for (const [sink, text] of sinks) {
      const chars = invisibleIn(text);
      const leaked = hidden.filter((h) => text.includes(h));
      if (chars.length + leaked.length > 0) {
        letIn++;
        problems.push(`${sink}: ${[...chars, ...leaked.map((h) => `"${h}"`)].join(" ")}`);
      }
    }
    if (problems.length === 0) survived++;
    else failures.push(`${entry.name}: ${problems.join("; ")}`);
  }
  settle(
    {
      name: "Hidden content and prompt injection in the comment, issue body and title (HTML comments, Cf, bidi, tags, fillers)",
      tried: HIDDEN_CORPUS.length,
      survived,
      letIn,
      notes:
        "each entry placed in the triggering comment, the issue body and (its invisible characters) the title",
    },
    failures,
  );
}
