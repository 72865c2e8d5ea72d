/**
 * `npm run setup`, the part with effects: checks what can be checked before GitHub is involved,
 * serves the local page on 127.0.0.1, and finishes the registration when GitHub redirects back.
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { readDevVars } from "../run-start.js";
import type { AppManifest } from "./app-manifest.js";
import { buildManifest } from "./build-manifest.js";
import { chooseWebhookUrl } from "./choose-webhook-url.js";
import { completeRegistration, type SetupResult } from "./complete-registration.js";
import { githubUrls } from "./github-urls.js";
import { newAppUrl } from "./new-app-url.js";
import { renderManifestPage } from "./render-setup-page.js";
import { setupApp } from "./setup-app.js";
import { SetupError } from "./setup-error.js";

export type { SetupResult } from "./complete-registration.js";

export type SetupOptions = {
  /** Holds app.yml; `.dev.vars` is written here. */
  dir: string;
  /** GITHUB_URL, GITHUB_API_URL, WEBHOOK_PROXY_URL, ANTHROPIC_API_KEY: here, else in .dev.vars. */
  env: Record<string, string | undefined>;
  /** Register the App for this organisation instead of the personal account. */
  org?: string;
  /** --webhook-url: wins over WEBHOOK_PROXY_URL. */
  webhookUrl?: string;
  /** The App's name instead of app.yml's (names are unique across GitHub). */
  name?: string;
  /** Replace the App settings of an existing .dev.vars (the old file is kept as .dev.vars.bak). */
  force?: boolean;
  /** Port of the local page; 0 or unset: any free one. */
  port?: number;
  fetch?: typeof fetch;
  /** Told about each refused or failed return from GitHub (the page says the same). */
  onProblem?: (message: string) => void;
};

export type SetupRun = {
  /** The local page to open: http://127.0.0.1:PORT/ */
  url: string;
  /** Where the page's form posts the manifest. */
  action: string;
  manifest: AppManifest;
  /** Resolves once the App's settings are written. */
  done: Promise<SetupResult>;
  close(): Promise<void>;
};

export async function startSetup(opts: SetupOptions): Promise<SetupRun> {
  const file = path.join(opts.dir, ".dev.vars");
  if (existsSync(file) && !opts.force) {
    throw new SetupError(
      `${file} exists already and setup does not overwrite it. Run \`npm run setup -- --force\` to replace ` +
        "its App settings (its other entries are kept, the old file is saved as .dev.vars.bak), or move it away.",
    );
  }
  const previous = readDevVars(file);
  const setting = (k: string) => opts.env[k] || previous[k] || undefined;
  const webhook = chooseWebhookUrl({ proxyUrl: setting("WEBHOOK_PROXY_URL"), flag: opts.webhookUrl });
  if (!webhook.ok) throw new SetupError(webhook.message);
  const appYmlPath = path.join(opts.dir, "app.yml");
  if (!existsSync(appYmlPath))
    throw new SetupError(`${appYmlPath} not found: setup registers the App it describes.`);
  const appYml = readFileSync(appYmlPath, "utf8");
  const manifestFor = (redirectUrl: string) =>
    buildManifest(appYml, {
      webhookUrl: webhook.url,
      redirectUrl,
      ...(opts.name ? { name: opts.name } : {}),
    });
  // A bad app.yml or --name fails here, before a server starts; the real redirect needs the port.
  manifestFor("http://127.0.0.1/callback");
  const github = githubUrls({ GITHUB_URL: setting("GITHUB_URL"), GITHUB_API_URL: setting("GITHUB_API_URL") });
  const state = randomBytes(20).toString("hex");
  const action = newAppUrl(github.url, state, opts.org);

  let app: Hono | undefined;
  const server = createAdaptorServer({
    fetch: (request, env) => app?.fetch(request, env) ?? new Response("starting", { status: 503 }),
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the page carries the state, and GitHub's redirect comes through the browser.
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}/`;
  const manifest = manifestFor(`${url}callback`);

  let resolveDone!: (r: SetupResult) => void;
  const done = new Promise<SetupResult>((resolve) => {
    resolveDone = resolve;
  });
  app = setupApp({
    host,
    state,
    manifestPage: () =>
      renderManifestPage({
        action,
        manifest,
        owner: opts.org ? `the organisation ${opts.org}` : "your account",
      }),
    async complete(code) {
      const result = await completeRegistration({
        code,
        github,
        ...(opts.org ? { org: opts.org } : {}),
        file,
        force: opts.force ?? false,
        webhook,
        hasModelKey: Boolean(setting("ANTHROPIC_API_KEY")),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      });
      resolveDone(result);
      return {
        title: `${result.app.name} is registered`,
        lines: [
          `App ${result.app.id} (@${result.app.slug}); its settings are in ${result.file}.`,
          ...result.notes,
          ...result.steps.map((s, i) => `${i + 1}. ${s}`),
        ],
        links: [{ href: result.app.installUrl, text: `Install ${result.app.name}` }],
      };
    },
    onProblem: (message) => opts.onProblem?.(message),
  });

  return {
    url,
    action,
    manifest,
    done,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A browser holding a keep-alive connection would otherwise keep setup from exiting.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
    },
  };
}
