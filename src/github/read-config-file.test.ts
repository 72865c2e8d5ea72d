import { describe, expect, it } from "vitest";
import { type ConfigFileClient, readConfigFile } from "./read-config-file.js";
import { loadRepoConfig } from "./repo-config.js";

type Answer = { text: string; contentType?: string } | { status: number };

/** A client serving `files` by repository (404 elsewhere); each answer waits until `release()`. */
function client(files: Record<string, Answer>) {
  const asked: string[] = [];
  const pending: Array<() => void> = [];
  const gh: ConfigFileClient = {
    request: (_route, { owner, repo, path, mediaType }) =>
      new Promise((resolve, reject) => {
        expect(mediaType).toEqual({ format: "raw" });
        expect(path).toBe(".github/understudy.yml");
        asked.push(repo);
        const url = `https://api.github.com/repos/${owner}/${repo}/contents/${path}`;
        pending.push(() => {
          const answer = files[repo] ?? { status: 404 };
          if ("status" in answer) reject(Object.assign(new Error(`status ${answer.status}`), answer));
          else
            resolve({
              data: answer.text,
              headers: { "content-type": answer.contentType ?? "application/vnd.github.raw" },
              url,
            });
        });
      }),
  };
  const release = () => {
    for (const answer of pending.splice(0)) answer();
  };
  return { gh, asked, release };
}

const viaPlugin = async () => ({ from: "the plugin" });

/** Reads, answering every request as soon as all of the first wave were made. */
async function read(c: ReturnType<typeof client>, repo = "widgets", plugin = viaPlugin) {
  const reading = readConfigFile(c.gh, "acme", repo, plugin);
  await Promise.resolve();
  const firstWave = [...c.asked];
  c.release();
  return { result: await reading, firstWave };
}

describe("the repository's config file", () => {
  it("asks for the repository's file and the owner's at once, and the repository's wins", async () => {
    const c = client({ widgets: { text: "draft: true\n" }, ".github": { text: "draft: false\n" } });
    const { result, firstWave } = await read(c);
    expect(firstWave.sort()).toEqual([".github", "widgets"]);
    expect(result).toEqual({ draft: true });
  });

  it("falls back to the owner's .github repository, and is null when neither has one", async () => {
    expect((await read(client({ ".github": { text: "label: help\n" } }))).result).toEqual({ label: "help" });
    expect((await read(client({}))).result).toBeNull();
    // The owner's .github repository has no fallback of its own.
    const dotGithub = await read(client({}), ".github");
    expect(dotGithub.firstWave).toEqual([".github"]);
  });

  it("says what the plugin says of a file it cannot use, so the problem is the file's", async () => {
    const c = client({ widgets: { text: "draft: [true\n" } });
    const loading = loadRepoConfig(() => readConfigFile(c.gh, "acme", "widgets", viaPlugin));
    await Promise.resolve();
    c.release();
    const loaded = await loading;
    expect(loaded.ok).toBe(false);
    expect(loaded.ok ? "" : loaded.problems[0]?.message).toMatch(
      /^Configuration could not be parsed from https:\/\/api\.github\.com\/repos\/acme\/widgets\/contents\/\.github\/understudy\.yml \(invalid YAML\): /,
    );
    const dir = client({ widgets: { text: "[]", contentType: "application/json; charset=utf-8" } });
    await expect(read(dir)).rejects.toThrow(/^\[@probot\/octokit-plugin-config\] .* is either a directory/);
  });

  it("leaves a file that extends another to the plugin, and throws GitHub's failures", async () => {
    const extending = client({ widgets: { text: "_extends: acme/base\n" } });
    expect((await read(extending)).result).toEqual({ from: "the plugin" });
    await expect(read(client({ widgets: { status: 502 } }))).rejects.toMatchObject({ status: 502 });
  });
});
