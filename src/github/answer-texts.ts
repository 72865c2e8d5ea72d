/**
 * The app's own short answers, as pure text: the refusal to someone who may not call the bot (sent
 * once per thread), the report on an invalid config file, and the answer to a request that failed
 * after its 👀. A handle or value quoted back is put in
 * a code span, so it pings nobody and cannot break the comment's markdown.
 */
import * as z from "zod";
import { codeSpan, fencedBlock, inlineText, truncate } from "../core/gfm-escape.js";
import type { HumanVerdict } from "./may-trigger.js";
import { CONFIG_FILE, type ConfigProblem } from "./repo-config.js";

export function refusalText(
  login: string,
  why: Exclude<Exclude<HumanVerdict, { ok: true }>["why"], "config_invalid">,
): string {
  const rule =
    why === "not_listed"
      ? `This repository's \`${CONFIG_FILE}\` lists who may ask me for changes (\`allowed_users\`)`
      : "Only people with write access to this repository can ask me for changes";
  return `Thanks for asking, @${login}. ${rule}, so I have not started, and I will not answer further requests in this thread that I cannot act on. A maintainer can ask on your behalf.`;
}

export function configProblemsText(login: string, problems: readonly ConfigProblem[]): string {
  return [
    `@${login} I have not started: \`${CONFIG_FILE}\` (in this repository, or in the owner's \`.github\` repository) is not valid.`,
    "",
    ...problems.map(problemLine),
    "",
    "Fix it on the default branch and ask again; `help` lists the settings.",
  ].join("\n");
}

/** A YAML parser's message has a code frame after its first line: kept, in a block under the item. */
function problemLine(p: ConfigProblem): string {
  const [first = "", ...frame] = truncate(p.message, 1_000).split("\n");
  const item = `- ${p.path === null ? "the file" : codeSpan(p.path)}: ${first}`;
  const detail = frame.join("\n").trim();
  if (!detail) return item;
  const block = fencedBlock(detail)
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return `${item}\n\n${block}`;
}

/**
 * A request that failed for good after its 👀 (src/github/trigger-failed.ts): one line saying why, in
 * plain text. `attempts` above 1 says the failure was GitHub's for a while, and tried again.
 */
export function startFailedText(login: string, cause: unknown, attempts = 1): string {
  const tried = attempts > 1 ? ` (tried ${attempts} times)` : "";
  const reason = inlineText(reasonOf(cause), 300).replace(/[.\s]+$/, "");
  return `@${login} I could not start on this: ${reason}${tried}.`;
}

function reasonOf(cause: unknown): string {
  if (cause instanceof z.ZodError) {
    const issue = cause.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    return `GitHub's answer was not what I expected${at}: ${issue?.message ?? cause.message}`;
  }
  const message = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0] ?? "";
  const status = (cause as { status?: unknown } | null)?.status;
  return typeof status === "number" ? `GitHub answered ${status} (${message})` : message;
}
