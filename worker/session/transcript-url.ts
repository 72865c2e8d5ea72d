import { signLink } from "../../src/core/sign-link.js";
import { linkSecret } from "../config.js";
import type { SessionDeps } from "./session-deps.js";

/** The capability URL of a session's transcript page. */
export async function transcriptUrl(d: SessionDeps, publicUrl: string): Promise<string> {
  const token = await signLink(linkSecret(d.config), "transcript", d.id);
  return `${publicUrl.replace(/\/+$/, "")}/sessions/${d.id}?token=${token}`;
}
