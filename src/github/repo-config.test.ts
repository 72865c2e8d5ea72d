import { describe, expect, it } from "vitest";
import { checkRepoConfig, loadRepoConfig } from "./repo-config.js";

describe("repository config", () => {
  it("means defaults when there is no file, or an empty one", () => {
    expect(checkRepoConfig(null)).toEqual({ ok: true, config: {} });
    expect(checkRepoConfig({})).toEqual({ ok: true, config: {} });
  });

  it("accepts every setting", () => {
    const config = {
      agent: "claude-code",
      model: "claude-opus-4-1",
      handle: "helper",
      label: "agent task",
      branch_prefix: "bots/understudy",
      draft: true,
      setup: ["npm ci"],
      time_limit_minutes: 45,
      allowed_users: ["alice"],
      allowed_bots: ["renovate", "dependabot[bot]"],
    };
    expect(checkRepoConfig(config)).toEqual({ ok: true, config });
  });

  it.each([
    [{ agent: "gemini" }, "agent", /must be one of: claude-code, codex/],
    [{ model: null }, "model", /must be a model name/],
    [{ handle: "@helper" }, "handle", /must be a GitHub login/],
    [{ label: "x".repeat(51) }, "label", /at most 50 characters/],
    [{ branch_prefix: "../x" }, "branch_prefix", /valid branch name prefix/],
    [{ draft: "yes" }, "draft", /true or false/],
    [{ setup: "npm ci" }, "setup", /list of commands/],
    [{ time_limit_minutes: 0 }, "time_limit_minutes", /whole number of minutes from 1 to 1440/],
    [{ time_limit_minutes: "ten" }, "time_limit_minutes", /whole number of minutes/],
    [{ allowed_users: ["a b"] }, "allowed_users.0", /GitHub login/],
    [{ allowed_bots: "renovate" }, "allowed_bots", /list of bot logins/],
    [{ brach_prefix: "x" }, "brach_prefix", /is not a setting; the settings are agent, model, handle/],
  ])("reports %j at its key", (raw, path, message) => {
    const r = checkRepoConfig(raw);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
  });

  it("reports every problem at once, and a file that is not a mapping", () => {
    const r = checkRepoConfig({ draft: 1, model: 2 });
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(["model", "draft"]);
    expect(checkRepoConfig(["a"])).toEqual({
      ok: false,
      problems: [{ path: null, message: "must be a mapping of settings (`key: value` lines)" }],
    });
  });

  it("turns the config plugin's parse error into a problem of the file, and rethrows GitHub's failures", async () => {
    const yaml = Object.assign(
      new Error("[@probot/octokit-plugin-config] Configuration could not be parsed from URL (invalid YAML)"),
      { cause: new Error("Unexpected flow-map-end token at line 1, column 8") },
    );
    expect(await loadRepoConfig(() => Promise.reject(yaml))).toEqual({
      ok: false,
      problems: [
        {
          path: null,
          message:
            "Configuration could not be parsed from URL (invalid YAML): Unexpected flow-map-end token at line 1, column 8",
        },
      ],
    });
    const outage = Object.assign(new Error("Bad Gateway"), { status: 502 });
    await expect(loadRepoConfig(() => Promise.reject(outage))).rejects.toBe(outage);
  });
});
