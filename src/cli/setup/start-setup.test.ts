import { createPrivateKey } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configProblems } from "../../../worker/config.js";
import { type GitHubStandIn, startGitHubStandIn } from "../../demo/github/start-github-stand-in.js";
import { readDevVars } from "../run-start.js";
import { projectRoot } from "../start-control-plane.js";
import { SetupError } from "./setup-error.js";
import { type SetupOptions, type SetupRun, startSetup } from "./start-setup.js";

const SMEE = "https://smee.io/understudy-setup-test";
let gh: GitHubStandIn;
let dir: string;
let problems: string[];
const runs: SetupRun[] = [];

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(path.join(tmpdir(), "understudy-setup-"));
  copyFileSync(path.join(projectRoot, "app.yml"), path.join(dir, "app.yml"));
  problems = [];
});
afterEach(async () => {
  await Promise.all(runs.splice(0).map((r) => r.close()));
  expect(gh.unhandled).toEqual([]);
  expect(gh.undocumented).toEqual([]);
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** setup as `npm run setup` runs it, pointed at the stand-in, with a smee channel for webhooks. */
async function start(opts: Partial<SetupOptions> = {}): Promise<SetupRun> {
  const run = await startSetup({
    dir,
    env: { GITHUB_URL: gh.url, GITHUB_API_URL: gh.apiUrl, WEBHOOK_PROXY_URL: SMEE },
    // The stand-in's own App is "understudy": GitHub App names are unique.
    name: "Mona Understudy",
    onProblem: (m) => problems.push(m),
    ...opts,
  });
  runs.push(run);
  return run;
}

const unescapeHtml = (s: string) =>
  s.replace(
    /&(quot|amp|lt|gt|#39);/g,
    (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'" })[e]!,
  );

/** The local page, read as a browser would submit it: where the form posts, the manifest, the state. */
async function readForm(run: SetupRun) {
  const res = await fetch(run.url);
  expect(res.status).toBe(200);
  const html = await res.text();
  const form = html.match(/<form action="([^"]+)" method="post">/);
  const input = html.match(/<input type="hidden" name="manifest" value="([^"]*)">/);
  expect(form && input).toBeTruthy();
  const action = new URL(unescapeHtml(form![1]!));
  return {
    html,
    action,
    manifest: JSON.parse(unescapeHtml(input![1]!)),
    state: action.searchParams.get("state"),
  };
}

/** GitHub's redirect back to the page, as the browser follows it. */
async function redirectBack(run: SetupRun, query: Record<string, string>) {
  const res = await fetch(`${run.url}callback?${new URLSearchParams(query)}`);
  return { status: res.status, text: unescapeHtml(await res.text()) };
}

const conversions = () =>
  gh.log.filter((e) => e.method === "POST" && e.path.startsWith("/api/v3/app-manifests/"));

describe("npm run setup (the App-manifest flow against the stand-in)", () => {
  it("posts the manifest with a state, exchanges GitHub's code and writes .dev.vars", async () => {
    const run = await start();
    const form = await readForm(run);
    expect(`${form.action.origin}${form.action.pathname}`).toBe(`${gh.url}/settings/apps/new`);
    expect(form.state).toMatch(/^[0-9a-f]{40}$/);
    expect(form.manifest).toEqual({
      name: "Mona Understudy",
      url: "https://github.com/understudy-dev/understudy",
      description: expect.any(String),
      hook_attributes: { url: SMEE, active: true },
      redirect_url: `${run.url}callback`,
      public: false,
      default_permissions: { contents: "write", issues: "write", pull_requests: "write", metadata: "read" },
      default_events: [
        "issue_comment",
        "issues",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
      ],
    });

    // The person reviews the App on GitHub and creates it; GitHub redirects with a code and the state.
    const code = gh.appManifests.complete(form.manifest, { owner: "mona" });
    const back = await redirectBack(run, { code, state: form.state! });
    expect(back.status).toBe(200);
    expect(back.text).toContain("Mona Understudy is registered");
    expect(back.text).toContain(`href="${gh.url}/apps/mona-understudy/installations/new"`);

    const result = await run.done;
    const app = gh.appManifests.apps[0]!;
    expect(result).toMatchObject({
      app: {
        id: app.id,
        slug: "mona-understudy",
        installUrl: `${gh.url}/apps/mona-understudy/installations/new`,
      },
      file: path.join(dir, ".dev.vars"),
      notes: [],
    });
    expect(result.steps.at(-1)).toMatch(/^Comment on an issue there: @mona-understudy /);
    expect(conversions()).toMatchObject([{ path: `/api/v3/app-manifests/${code}/conversions`, status: 201 }]);

    const file = path.join(dir, ".dev.vars");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const vars = readDevVars(file);
    expect(vars).toMatchObject({
      APP_ID: String(app.id),
      APP_SLUG: "mona-understudy",
      WEBHOOK_SECRET: app.webhookSecret,
      WEBHOOK_PROXY_URL: SMEE,
      GITHUB_URL: gh.url,
      GITHUB_API_URL: gh.apiUrl,
      SANDBOX_HOST_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      LINK_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // PKCS#8, escaped the way worker/config.ts reads it back, and a key node accepts.
    const pem = vars.PRIVATE_KEY!.replace(/\\n/g, "\n");
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(pem).asymmetricKeyType).toBe("rsa");
    expect(configProblems(vars)).toEqual([]);

    // A reload of GitHub's redirect shows the result again and spends nothing.
    expect((await redirectBack(run, { code, state: form.state! })).status).toBe(200);
    expect(conversions()).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it("refuses a redirect without this run's state, and answers only on its own address", async () => {
    const run = await start();
    const form = await readForm(run);
    const code = gh.appManifests.complete(form.manifest);
    const wrong: Array<Record<string, string>> = [
      { code, state: "0".repeat(40) },
      { code },
      { code, state: `${form.state}0` },
    ];
    for (const query of wrong) {
      const back = await redirectBack(run, query);
      expect(back.status).toBe(400);
      expect(back.text).toContain("does not carry the state this setup sent");
    }
    expect(conversions()).toEqual([]);
    expect(problems).toHaveLength(3);
    expect(existsSync(path.join(dir, ".dev.vars"))).toBe(false);

    // A page fetched under another name (DNS rebinding) would hand out the state: refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL(run.url);
      request({ host: u.hostname, port: u.port, path: "/", headers: { host: "evil.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(rebound).toBe(421);

    // The code was not spent: the genuine redirect still works.
    expect((await redirectBack(run, { code, state: form.state! })).status).toBe(200);
    await run.done;
  });

  it("says clearly that a used code cannot be exchanged, and lets the person start again", async () => {
    const run = await start();
    const form = await readForm(run);
    const used = gh.appManifests.complete(form.manifest);
    const first = await fetch(`${gh.apiUrl}/app-manifests/${used}/conversions`, { method: "POST" });
    expect(first.status).toBe(201);
    let settled = false;
    void run.done.then(() => {
      settled = true;
    });

    const back = await redirectBack(run, { code: used, state: form.state! });
    expect(back.status).toBe(502);
    expect(back.text).toContain("this one has been used or has expired");
    expect(problems).toEqual([expect.stringMatching(/^GitHub did not accept the code .*\(404\)/)]);
    expect(existsSync(path.join(dir, ".dev.vars"))).toBe(false);
    expect(settled).toBe(false);

    const again = gh.appManifests.complete({ ...form.manifest, name: "Mona Understudy 2" });
    expect((await redirectBack(run, { code: again, state: form.state! })).status).toBe(200);
    expect((await run.done).app.slug).toBe("mona-understudy-2");
  });

  it("does not overwrite an existing .dev.vars without --force, and keeps its other entries with it", async () => {
    const file = path.join(dir, ".dev.vars");
    const before = "ANTHROPIC_API_KEY=sk-ant-mine\nAPP_ID=1\n";
    // World-readable, as a hand-made file may be: neither the backup nor the new file may stay so.
    writeFileSync(file, before, { mode: 0o644 });
    await expect(start()).rejects.toThrow(SetupError);
    await expect(start()).rejects.toThrow(
      /\.dev\.vars exists already and setup does not overwrite it.*--force/,
    );
    expect(readFileSync(file, "utf8")).toBe(before);

    const run = await start({ force: true });
    const form = await readForm(run);
    await redirectBack(run, { code: gh.appManifests.complete(form.manifest), state: form.state! });
    const result = await run.done;
    expect(result.backup).toBe(`${file}.bak`);
    expect(readFileSync(`${file}.bak`, "utf8")).toBe(before);
    expect(statSync(`${file}.bak`).mode & 0o777).toBe(0o600);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readDevVars(file)).toMatchObject({
      ANTHROPIC_API_KEY: "sk-ant-mine",
      APP_ID: String(result.app.id),
    });
    expect(result.steps.join("\n")).not.toContain("ANTHROPIC_API_KEY");
  });

  it("posts to an organisation's page with --org, and needs a public webhook URL", async () => {
    const run = await start({ org: "acme" });
    const form = await readForm(run);
    expect(`${form.action.origin}${form.action.pathname}`).toBe(
      `${gh.url}/organizations/acme/settings/apps/new`,
    );
    expect(form.html).toContain("owned by the organisation acme");

    const tunnel = await start({ env: { GITHUB_URL: gh.url }, webhookUrl: "https://t.example.com" });
    expect(tunnel.manifest.hook_attributes.url).toBe("https://t.example.com/api/github/webhooks");
    await expect(start({ env: { GITHUB_URL: gh.url } })).rejects.toThrow(/needs a public URL/);
  });
});
