/**
 * What a session status is called, the same words in the status comment, the transcript and the
 * terminal. `icon` leads the status comment's headline; the page shows it as a coloured badge instead.
 */
import type { SessionStatus } from "./wire.js";

export interface StatusLabel {
  icon: string;
  text: string;
}

const LABELS: Record<SessionStatus, StatusLabel> = {
  queued: { icon: "⏳", text: "Starting…" },
  provisioning: { icon: "⏳", text: "Starting…" },
  running: { icon: "🛠️", text: "Working…" },
  finishing: { icon: "📤", text: "Pushing & opening PR…" },
  completed: { icon: "✅", text: "Done" },
  failed: { icon: "❌", text: "Failed" },
  cancelled: { icon: "⏹️", text: "Stopped" },
};

/** `hasPr`: a follow-up run that finishes updates the pull request an earlier run opened. */
export function statusLabel(status: SessionStatus, hasPr = false): StatusLabel {
  if (status === "finishing" && hasPr) return { icon: "📤", text: "Pushing & updating PR…" };
  return LABELS[status];
}
