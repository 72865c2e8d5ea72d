/**
 * The agent's prompt. The triggering comment is the instruction; the issue is context. Everything
 * user-written passes through stripHidden so invisible text cannot smuggle instructions in.
 */
import { redact } from "../core/redact.js";
import { stripHidden } from "../core/strip-hidden.js";

export type PromptInput = {
  repo: string;
  kind: "issue" | "pull request";
  number: number;
  title: string;
  body: string | null;
  requester: string;
  task: string;
};

export function buildPrompt(p: PromptInput): string {
  const clean = (text: string) => redact(stripHidden(text)).trim();
  const body = clean(p.body ?? "");
  return [
    `You are working in a git checkout of ${p.repo}, on a branch made for this request.`,
    `@${p.requester} asked on ${p.kind} #${p.number}:`,
    "",
    "<request>",
    clean(p.task),
    "</request>",
    "",
    `Context — ${p.kind} #${p.number}: ${clean(p.title)}`,
    "<context>",
    body || "(no description)",
    "</context>",
    "",
    "Do the request by changing files in this repository. You do not need to push or open a pull request:",
    "your changes are committed and pushed, and a pull request is opened, when you finish.",
    "Finish with a short summary of what you changed. Its first line becomes the pull request title,",
    "so make it a concise imperative sentence under 72 characters.",
  ].join("\n");
}
