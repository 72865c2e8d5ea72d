import { createPublicKey, generateKeyPair } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { appHandlers } from "./app-handlers.js";
import { appManifestHandlers } from "./app-manifest-handlers.js";
import { createAppManifests } from "./create-app-manifests.js";
import { createRequestListener } from "./create-request-listener.js";
import { createSeeders } from "./create-seeders.js";
import { ensureUser } from "./ensure-user.js";
import { findRepo } from "./find-repo.js";
import type { GitHubStandIn, LogEntry } from "./github-stand-in.js";
import { issueHandlers } from "./issue-handlers.js";
import { loadOpenApiIndex } from "./load-openapi-index.js";
import { now } from "./now.js";
import { pullHandlers } from "./pull-handlers.js";
import { repoHandlers } from "./repo-handlers.js";
import { runGit } from "./run-git.js";
import type { StandInContext, StandInEvents } from "./stand-in-context.js";
import type { AppPermissions } from "./stand-in-state.js";
import { createStandInState } from "./stand-in-state.js";
import { triggerHandlers } from "./trigger-handlers.js";
import { buildWebhookPayload } from "./webhook-payload.js";

export type { GitHubStandIn, LogEntry } from "./github-stand-in.js";

/** What the Understudy App asks for in app.yml; installations grant it unless told otherwise. */
const DEFAULT_PERMISSIONS: AppPermissions = {
  metadata: "read",
  contents: "write",
  issues: "write",
  pull_requests: "write",
};

/**
 * Starts the GitHub stand-in on 127.0.0.1 (a free port) with a fresh App key pair and an empty
 * world; seed it with createInstallation / createRepo / createIssue / createIssueComment.
 * Point the bot at it with GITHUB_API_URL = `apiUrl`, GITHUB_URL = `url`, APP_ID = `app.id`,
 * PRIVATE_KEY = `app.privateKeyPkcs8`.
 */
export async function startGitHubStandIn(
  opts: { appId?: number; slug?: string; permissions?: AppPermissions } = {},
): Promise<GitHubStandIn> {
  // GitHub's OpenAPI description is indexed (once per process) while the key is generated off-thread,
  // and before the first request, so no request waits on it.
  const [{ publicKey, privateKey }, openApi] = await Promise.all([
    promisify(generateKeyPair)("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    }),
    loadOpenApiIndex(),
  ]);
  const root = await mkdtemp(join(tmpdir(), "github-stand-in-"));
  const reposRoot = join(root, "repos");
  await mkdir(reposRoot);

  const slug = opts.slug ?? "understudy";
  const state = createStandInState();
  const ctx: StandInContext = {
    state,
    url: "",
    apiUrl: "",
    app: {
      id: opts.appId ?? 100_001,
      slug,
      permissions: { ...(opts.permissions ?? DEFAULT_PERMISSIONS) },
      publicKey: createPublicKey(publicKey),
      botLogin: `${slug}[bot]`,
      createdAt: now(),
    },
    events: new EventEmitter<StandInEvents>(),
    reposRoot,
    faults: [],
  };
  ensureUser(state, ctx.app.botLogin, "Bot");

  const record = { log: [] as LogEntry[], unhandled: [] as string[], undocumented: [] as string[] };
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ctx.url = `http://127.0.0.1:${port}`;
  ctx.apiUrl = `${ctx.url}/api/v3`;
  // Handlers are built once the port is known: they match absolute URLs under apiUrl.
  const appManifests = createAppManifests(ctx);
  const handlers = [
    ...appHandlers(ctx),
    ...appManifestHandlers(ctx, appManifests),
    ...repoHandlers(ctx),
    ...issueHandlers(ctx),
    ...pullHandlers(ctx),
    ...triggerHandlers(ctx),
  ];
  server.on("request", createRequestListener(ctx, handlers, record, openApi));

  let closed = false;
  return {
    url: ctx.url,
    apiUrl: ctx.apiUrl,
    app: { id: ctx.app.id, slug, botLogin: ctx.app.botLogin, privateKeyPkcs8: privateKey },
    state,
    log: record.log,
    unhandled: record.unhandled,
    undocumented: record.undocumented,
    events: ctx.events,
    appManifests,
    ...createSeeders(ctx),
    webhookPayload: (kind, params) => buildWebhookPayload(ctx, kind, params),
    injectFault: (fault) => {
      ctx.faults.push({ ...fault });
    },
    async git(owner, name, ...args) {
      const repo = findRepo(state, owner, name);
      if (!repo) throw new Error(`no repository ${owner}/${name}`);
      return (await runGit(repo.gitDir, args)).replace(/\n$/, "");
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(root, { recursive: true, force: true });
    },
  };
}
