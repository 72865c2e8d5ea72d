/**
 * Chooses the agent's HOME for a run. The sandbox host keeps one directory per session
 * (UNDERSTUDY_SESSION_DIR: `home/`, `agent.json`, `lock`) so that every run of the session on this
 * host gives the agent the same HOME, where it keeps its conversations: a follow-up then continues
 * the conversation instead of starting over with the earlier runs' summaries.
 *
 * One run at a time: two bridges of a session can overlap (a retry while the last one still saves its
 * work), and two agents writing one conversation would corrupt it. The run that holds the lock on
 * the session directory uses its home; any other uses the sandbox's own home, with a new
 * conversation, and says why in the log.
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import type { AgentName } from "../../core/wire.js";
import { conversationFile } from "../agents/conversation-file.js";
import { readAgentState, writeAgentState } from "./agent-state.js";
import { holdFileLock } from "./hold-file-lock.js";
import type { BridgeLog } from "./log.js";
import { scrubSessionHome } from "./scrub-session-home.js";

export type SessionHome = {
  /** The agent's HOME for this run. */
  home: string;
  /** Whether `home` is the session's, kept between runs (else the sandbox's own, for this run). */
  shared: boolean;
  /** The conversation to continue, and the run that left it; null for a new conversation. */
  resume: { conversationId: string; run: number } | null;
  /** Records the conversation this run's agent used, for the next run (only with a shared home). */
  save(conversationId: string): void;
  /** Lets the next run have the session's home. */
  release(): Promise<void>;
};

export type OpenSessionHomeOptions = {
  /** The session's directory on this host; unset, every run has a home of its own. */
  sessionDir?: string;
  /** The sandbox's own home, for a run that cannot have the session's. */
  runHome: string;
  agent: AgentName;
  run: number;
  /** How long to wait for a run of the same session that still holds the lock. */
  lockWaitMs: number;
  log: BridgeLog;
  signal?: AbortSignal;
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Never rejects: whatever goes wrong, the run gets a home of its own and a new conversation. */
export async function openSessionHome(opts: OpenSessionHomeOptions): Promise<SessionHome> {
  const ownHome: SessionHome = {
    home: opts.runHome,
    shared: false,
    resume: null,
    save: () => undefined,
    release: async () => undefined,
  };
  const dir = opts.sessionDir;
  if (!dir) return ownHome;
  let lock: Awaited<ReturnType<typeof holdFileLock>>;
  try {
    lock = await holdFileLock(join(dir, "lock"), { waitMs: opts.lockWaitMs, signal: opts.signal });
  } catch (err) {
    opts.log.warn(
      `the agent gets a home of its own and a new conversation: the session's home is not free (${message(err)})`,
    );
    return ownHome;
  }
  const home = join(dir, "home");
  // The host makes it; gone means the host pruned the session while this run waited for the lock.
  if (!isDirectory(home)) {
    await lock.release();
    opts.log.warn("the agent gets a home of its own and a new conversation: the session's home is gone");
    return ownHome;
  }
  // What the last run left besides its conversation does not reach this one (scrub-session-home.ts).
  try {
    scrubSessionHome(home);
  } catch (err) {
    await lock.release();
    opts.log.warn(
      `the agent gets a home of its own and a new conversation: the session's home could not be reset (${message(err)})`,
    );
    return ownHome;
  }
  return {
    home,
    shared: true,
    resume: conversationToResume(dir, home, opts),
    save: (conversationId) => {
      try {
        writeAgentState(dir, { agent: opts.agent, conversationId, run: opts.run });
      } catch (err) {
        opts.log.warn(`could not record the agent's conversation for the next run: ${message(err)}`);
      }
    },
    release: () => lock.release(),
  };
}

/** The earlier run's conversation, when this agent left one there and its file is still in `home`. */
function conversationToResume(
  dir: string,
  home: string,
  opts: OpenSessionHomeOptions,
): SessionHome["resume"] {
  const state = readAgentState(dir);
  if (!state) return null;
  const { agent, conversationId, run } = state;
  const why =
    agent !== opts.agent
      ? `run ${run} used ${agent}`
      : run !== opts.run - 1
        ? // Another run came between (on another host, or without the session's home): its request
          // and work are only in the summaries, which a resumed run would not be given.
          `it is from run ${run}, not the run before this one`
        : conversationFile(agent, home, conversationId) === null
          ? `its file is gone from the session's home`
          : null;
  if (why === null) return { conversationId, run };
  opts.log.info(`a new conversation: the one this session's home remembers cannot be continued (${why})`);
  return null;
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
