/**
 * A run's (or a session's) token and cost totals in words, the same way everywhere: `2.9k tokens`,
 * `$0.03`, `<$0.01`. Zero totals are left out rather than shown as `0 tokens · $0.00`.
 */
import type { RunTotals } from "./summarize-run.js";

export function formatUsage(totals: Pick<RunTotals, "inputTokens" | "outputTokens" | "costUsd">): string[] {
  const parts: string[] = [];
  const tokens = totals.inputTokens + totals.outputTokens;
  if (tokens > 0) parts.push(`${formatTokens(tokens)} tokens`);
  if (totals.costUsd > 0) parts.push(totals.costUsd < 0.01 ? "<$0.01" : `$${totals.costUsd.toFixed(2)}`);
  return parts;
}

function formatTokens(n: number): string {
  if (n < 1_000) return String(n);
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
