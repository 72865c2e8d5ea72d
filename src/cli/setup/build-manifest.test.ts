import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../start-control-plane.js";
import { buildManifest } from "./build-manifest.js";

const appYml = readFileSync(`${projectRoot}/app.yml`, "utf8");
const where = { webhookUrl: "https://smee.io/abc", redirectUrl: "http://127.0.0.1:4321/callback" };

describe("buildManifest", () => {
  it("takes name, homepage, permissions and events from app.yml and the URLs of this run", () => {
    expect(buildManifest(appYml, where)).toEqual({
      name: "Understudy",
      url: "https://github.com/understudy-dev/understudy",
      description: expect.stringContaining("@understudy"),
      hook_attributes: { url: "https://smee.io/abc", active: true },
      redirect_url: "http://127.0.0.1:4321/callback",
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
  });

  it("is always private and takes another name on request", () => {
    const m = buildManifest(appYml.replace("public: false", "public: true"), {
      ...where,
      name: "Mona's helper",
    });
    expect(m).toMatchObject({ public: false, name: "Mona's helper" });
  });

  it("says which field of app.yml or which option is wrong", () => {
    expect(() => buildManifest("name: x\nurl: nope\n", where)).toThrow(
      /^app\.yml: url: .*; default_permissions/,
    );
    expect(() => buildManifest("name: [", where)).toThrow(/app\.yml is not valid YAML/);
    expect(() => buildManifest(appYml, { ...where, name: "x".repeat(35) })).toThrow(
      /name: a GitHub App name is at most 34 characters/,
    );
  });
});
