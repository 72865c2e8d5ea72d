/**
 * What a bridge writes down about its run as it goes, beside the spool and outside what the agent
 * sees, so a bridge started again after the first one died (recover-run.ts) can finish the run: the
 * checkout as the clone made it (the commit the push is leased to, the branch, the git config to
 * seal it back to) and how far the run got. Written whole to a temporary file and renamed over the
 * old one, so a reader finds the last complete record or none.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import type { Checkout } from "./prepare-checkout.js";
import type { SetupChange } from "./setup-changes.js";

/**
 * How far the run got: `setup` (before the agent; nothing to push), `agent` (its work may be in the
 * checkout), `finishing` (committing and pushing), `done` (execution_complete was emitted).
 */
export const RunPhase = z.enum(["setup", "agent", "finishing", "done"]);
export type RunPhase = z.infer<typeof RunPhase>;

const Sha = z.string().regex(/^[0-9a-f]{40,64}$/);

export const RunRecord = z.object({
  sessionId: z.string(),
  run: z.number().int().positive(),
  phase: RunPhase,
  checkout: z.object({
    repoDir: z.string(),
    branch: z.string(),
    base: z.string(),
    baseSha: Sha,
    remoteBranchSha: Sha.nullable(),
    headSha: Sha,
    created: z.boolean(),
    objectDirs: z.array(z.string()),
  }),
  /** The clone's .git/config, base64. */
  gitConfig: z.string(),
  /** Why the run was ending early when the record was last written, if it was. */
  endReason: z.string().nullable(),
  /** Tracked files the setup commands changed (setup-changes.ts), kept out of the commit. */
  setupChanges: z.array(z.object({ path: z.string(), blob: z.string().nullable() })).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RUN_RECORD_FILE = "run.json";

export function writeRunRecord(workDir: string, record: RunRecord): void {
  const path = join(workDir, RUN_RECORD_FILE);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  renameSync(tmp, path);
}

/** The record in `workDir`, or null when there is none or it does not parse. */
export function readRunRecord(workDir: string): RunRecord | null {
  try {
    const parsed = RunRecord.safeParse(JSON.parse(readFileSync(join(workDir, RUN_RECORD_FILE), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function recordOf(
  sessionId: string,
  run: number,
  phase: RunPhase,
  checkout: Checkout,
  gitConfig: Buffer,
  endReason: string | null,
  setupChanges?: readonly SetupChange[],
): RunRecord {
  const { repoDir, branch, base, baseSha, remoteBranchSha, headSha, created, objectDirs } = checkout;
  return {
    sessionId,
    run,
    phase,
    checkout: { repoDir, branch, base, baseSha, remoteBranchSha, headSha, created, objectDirs },
    gitConfig: gitConfig.toString("base64"),
    endReason,
    ...(setupChanges?.length ? { setupChanges: [...setupChanges] } : {}),
  };
}

/** Written once the run's `execution_complete` is emitted, checkout or not (a failed clone has none). */
export const RUN_ENDED_FILE = "run.ended";

export function markRunEnded(workDir: string, sessionId: string, run: number): void {
  writeFileSync(join(workDir, RUN_ENDED_FILE), JSON.stringify({ sessionId, run }), { mode: 0o600 });
}

/** Whether this run's end was emitted already (then its spool holds it: a restart only resends). */
export function runEnded(workDir: string, sessionId: string, run: number): boolean {
  try {
    const ended = JSON.parse(readFileSync(join(workDir, RUN_ENDED_FILE), "utf8")) as unknown;
    return (
      typeof ended === "object" &&
      ended !== null &&
      (ended as { sessionId?: unknown }).sessionId === sessionId &&
      (ended as { run?: unknown }).run === run
    );
  } catch {
    return false;
  }
}
