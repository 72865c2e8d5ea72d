import * as z from "zod";
import {
  type ManifestConversion,
  ManifestConversion as ManifestConversionSchema,
} from "./manifest-conversion.js";
import { SetupError } from "./setup-error.js";

/**
 * Trades the code of GitHub's redirect for the new App's id, key and secrets. The call is
 * unauthenticated (the code is the credential); a code works once and for one hour.
 */
export async function exchangeManifestCode(opts: {
  apiUrl: string;
  code: string;
  fetch?: typeof fetch;
}): Promise<ManifestConversion> {
  const url = `${opts.apiUrl}/app-manifests/${encodeURIComponent(opts.code)}/conversions`;
  let response: Response;
  try {
    response = await (opts.fetch ?? fetch)(url, {
      method: "POST",
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "understudy-setup",
      },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new SetupError(
      `Could not reach ${opts.apiUrl} to finish the registration (${error instanceof Error ? error.message : String(error)}). ` +
        "Reload this page to try the same code again (it stays valid for an hour).",
    );
  }
  const text = await response.text();
  if (response.status === 404) {
    throw new SetupError(
      "GitHub did not accept the code from its redirect (404): a code can be exchanged once, within an hour, " +
        "and this one has been used or has expired. The App may exist already: delete it under Settings → " +
        "Developer settings → GitHub Apps if you do not want it, then start again.",
    );
  }
  if (response.status !== 201) {
    throw new SetupError(
      `GitHub refused to complete the registration (${response.status}): ${messageOf(text)}. Start again.`,
    );
  }
  const parsed = ManifestConversionSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new SetupError(
      `GitHub's answer to the code exchange is not what setup expects: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const GitHubErrorBody = z.object({ message: z.string() });

function messageOf(text: string): string {
  const body = GitHubErrorBody.safeParse(safeJson(text));
  return body.success ? body.data.message : text.slice(0, 200) || "no message";
}
