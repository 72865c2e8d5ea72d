import { randomBytes } from "node:crypto";
import { readDevVars } from "../run-start.js";
import type { WebhookChoice } from "./choose-webhook-url.js";
import { exchangeManifestCode } from "./exchange-manifest-code.js";
import type { GitHubUrls } from "./github-urls.js";
import { nextSteps } from "./next-steps.js";
import { renderDevVars } from "./render-dev-vars.js";
import { toPkcs8 } from "./to-pkcs8.js";
import { writeDevVars } from "./write-dev-vars.js";

export type SetupResult = {
  app: { id: number; slug: string; name: string; htmlUrl: string; installUrl: string };
  /** Where the settings were written (`.dev.vars`, or `.dev.vars.new` if one appeared meanwhile). */
  file: string;
  backup?: string;
  /** Things the person must know: a file written elsewhere, a secret to set by hand. */
  notes: string[];
  steps: string[];
};

/**
 * The end of the manifest flow: trades GitHub's code for the new App, converts its key to PKCS#8 and
 * writes `.dev.vars` (`file`), keeping the other entries of an existing one (only reached with --force).
 */
export async function completeRegistration(opts: {
  code: string;
  github: GitHubUrls;
  org?: string;
  file: string;
  force: boolean;
  webhook: Extract<WebhookChoice, { ok: true }>;
  hasModelKey: boolean;
  fetch?: typeof fetch;
}): Promise<SetupResult> {
  const { github, webhook } = opts;
  const conversion = await exchangeManifestCode({
    apiUrl: github.apiUrl,
    code: opts.code,
    fetch: opts.fetch,
  });
  const notes: string[] = [];
  const newSecret = () => randomBytes(32).toString("hex");
  let webhookSecret = conversion.webhook_secret;
  if (!webhookSecret) {
    // Documented as nullable; the Worker refuses every delivery without one (fail closed).
    webhookSecret = newSecret();
    const owner = opts.org ? `/organizations/${encodeURIComponent(opts.org)}` : "";
    notes.push(
      "GitHub returned no webhook secret: set the WEBHOOK_SECRET written to .dev.vars as the App's webhook " +
        `secret at ${github.url}${owner}/settings/apps/${conversion.slug}`,
    );
  }
  const kept = readDevVars(opts.file);
  if (webhook.via === "flag") delete kept.WEBHOOK_PROXY_URL;
  const text = renderDevVars({
    app: {
      id: conversion.id,
      slug: conversion.slug,
      name: conversion.name,
      htmlUrl: conversion.html_url,
      privateKeyPkcs8: toPkcs8(conversion.pem),
      webhookSecret,
    },
    previous: kept,
    carry: {
      WEBHOOK_PROXY_URL: webhook.via === "proxy" ? webhook.url : undefined,
      // The Worker defaults to github.com; anything else must reach it too.
      ...(github.url === "https://github.com"
        ? {}
        : { GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl }),
    },
    newSecret,
  });
  const written = await writeDevVars(opts.file, text, opts.force);
  if (written.diverted) {
    notes.push(
      `${opts.file} appeared while setup ran and was left alone: the settings are in ${written.path}`,
    );
  }
  const installUrl = `${conversion.html_url}/installations/new`;
  return {
    app: {
      id: conversion.id,
      slug: conversion.slug,
      name: conversion.name,
      htmlUrl: conversion.html_url,
      installUrl,
    },
    file: written.path,
    ...(written.backup ? { backup: written.backup } : {}),
    notes,
    steps: nextSteps({
      slug: conversion.slug,
      installUrl,
      viaProxy: webhook.via === "proxy",
      hasModelKey: opts.hasModelKey,
    }),
  };
}
