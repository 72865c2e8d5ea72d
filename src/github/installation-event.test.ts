import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { installationEvent } from "./installation-event.js";

// biome-ignore lint/suspicious/noExplicitAny: the examples are read as JSON; the parser under test checks them.
type Payload = Record<string, any>;
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Payload[];
}>;
const all = (name: string) => examples.find((d) => d.name === name)!.examples;

describe("installationEvent", () => {
  it("reads every installation and installation_repositories example", () => {
    for (const name of ["installation", "installation_repositories"])
      for (const p of all(name)) expect(installationEvent(name, p)).toMatchObject({ action: p.action });
  });

  it("says which repositories came and went", () => {
    const added = all("installation_repositories").find((p) => p.action === "added")!;
    expect(installationEvent("installation_repositories", added)).toEqual({
      installation: added.installation.id,
      account: added.installation.account.login,
      action: "added",
      added: added.repositories_added.map((r: { full_name: string }) => r.full_name),
      removed: [],
    });
    const deleted = all("installation").find((p) => p.action === "deleted")!;
    expect(installationEvent("installation", deleted)).toMatchObject({
      action: "deleted",
      removed: deleted.repositories.map((r: { full_name: string }) => r.full_name),
    });
  });

  it("is null for other events", () => {
    expect(installationEvent("issue_comment", {})).toBeNull();
    expect(installationEvent("installation", { action: "created" })).toBeNull();
  });
});
