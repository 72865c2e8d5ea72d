/**
 * The app's own short answers, as pure text: the refusal to someone who may not call the bot (sent
 * once per thread), and the report on an invalid config file. A handle or value quoted back is put in
 * a code span, so it pings nobody and cannot break the comment's markdown.
 */
import { codeSpan, fencedBlock, truncate } from "../core/gfm-escape.js";
import type { HumanVerdict } from "./may-trigger.js";
import { CONFIG_FILE, type ConfigProblem } from "./repo-config.js";

export function refusalText(login: string, why: Exclude<HumanVerdict, { ok: true }>["why"]): string {
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
