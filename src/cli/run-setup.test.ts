import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type GitHubStandIn, startGitHubStandIn } from "../demo/github/start-github-stand-in.js";
import { runSetup } from "./run-setup.js";
import { projectRoot } from "./start-control-plane.js";

let gh: GitHubStandIn;
let dir: string;
beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(path.join(tmpdir(), "understudy-run-setup-"));
  copyFileSync(path.join(projectRoot, "app.yml"), path.join(dir, "app.yml"));
});
afterEach(async () => {
  expect(gh.unhandled).toEqual([]);
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(argv: string[], interrupted: Promise<void> = new Promise(() => {})) {
  const said: string[] = [];
  const env = { GITHUB_URL: gh.url, GITHUB_API_URL: gh.apiUrl, WEBHOOK_PROXY_URL: "https://smee.io/x" };
  const code = runSetup({ argv, dir, env, say: (l) => said.push(...l.split("\n")), interrupted });
  return { said, code };
}

describe("understudy setup", () => {
  it("prints the page to open, then the App, the install URL and the next steps", async () => {
    const { said, code } = cli(["--name", "Mona Understudy", "--port", "0"]);
    await vi.waitFor(() => expect(said.some((l) => l.startsWith("Open http://127.0.0.1:"))).toBe(true));
    const page = said.find((l) => l.startsWith("Open "))!.split(" ")[1]!;
    const html = await (await fetch(page)).text();
    const state = html.match(/state=([0-9a-f]+)/)![1]!;
    const manifest = JSON.parse(html.match(/name="manifest" value="([^"]*)"/)![1]!.replace(/&quot;/g, '"'));
    const res = await fetch(`${page}callback?code=${gh.appManifests.complete(manifest)}&state=${state}`);
    expect(res.status).toBe(200);
    expect(await code).toBe(0);
    const out = said.join("\n");
    expect(out).toMatch(/Registered Mona Understudy \(App \d+, @mona-understudy\)/);
    expect(out).toContain(`Settings written to ${path.join(dir, ".dev.vars")}.`);
    expect(out).toContain(
      `1. Install the App on the repositories it should work on: ${gh.url}/apps/mona-understudy/installations/new`,
    );
    expect(out).toContain("@mona-understudy add a CONTRIBUTING.md");
  });

  it("refuses bad flags, an existing .dev.vars, and stops cleanly on Ctrl-C", async () => {
    const bad = cli(["--nope"]);
    expect(await bad.code).toBe(2);
    expect(bad.said.join("\n")).toMatch(/Unknown option '--nope'[\s\S]*usage: npm run setup/);
    expect(await cli(["--port", "x"]).code).toBe(2);

    let interrupt!: () => void;
    const stopped = cli([], new Promise((r) => (interrupt = r)));
    await vi.waitFor(() => expect(stopped.said.some((l) => l.startsWith("Open "))).toBe(true));
    interrupt();
    expect(await stopped.code).toBe(1);
    expect(stopped.said.at(-1)).toBe("Stopped; nothing was written.");

    writeFileSync(path.join(dir, ".dev.vars"), "APP_ID=1\n");
    const existing = cli([]);
    expect(await existing.code).toBe(1);
    expect(existing.said.join("\n")).toContain("--force");
  });
});
