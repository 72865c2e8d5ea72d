import { describe, expect, it } from "vitest";
import { pullRequestText } from "./pull-request-text.js";
import {
  type ContentsClient,
  readPullRequestTemplate,
  TEMPLATE_PATHS,
} from "./read-pull-request-template.js";

/** A client whose repository has `files`; anything else is a 404, as GitHub answers. */
function client(files: Record<string, string>, fail?: number) {
  const asked: string[] = [];
  const gh: ContentsClient = {
    rest: {
      repos: {
        async getContent({ path, mediaType }) {
          asked.push(path);
          expect(mediaType).toEqual({ format: "raw" });
          if (fail) throw Object.assign(new Error("boom"), { status: fail });
          if (!(path in files)) throw Object.assign(new Error("Not Found"), { status: 404 });
          return { data: files[path] };
        },
      },
    },
  };
  return { gh, asked };
}

const where = { owner: "acme", repo: "widgets", ref: "main" };

describe("the repository's pull-request template", () => {
  it("is found where GitHub looks, in order, with the instructions in HTML comments removed", async () => {
    const { gh, asked } = client({
      "PULL_REQUEST_TEMPLATE.md": "## What\n<!-- Describe the change -->\n\n## Checklist\n- [ ] Tests added",
    });
    expect(await readPullRequestTemplate(gh, where)).toBe("## What\n\n\n## Checklist\n- [ ] Tests added");
    // Every place at once, each once: the pull request waits for one round trip, not five.
    expect([...asked].sort()).toEqual([...TEMPLATE_PATHS].sort());
    // Where two places have one, GitHub's order decides.
    const both = client({
      "docs/pull_request_template.md": "docs",
      ".github/PULL_REQUEST_TEMPLATE.md": "github",
    });
    expect(await readPullRequestTemplate(both.gh, where)).toBe("github");
  });

  it("asks every place before any answer comes", async () => {
    const asked: string[] = [];
    const answers: Array<() => void> = [];
    const gh: ContentsClient = {
      rest: {
        repos: {
          getContent: ({ path }) =>
            new Promise((_resolve, reject) => {
              asked.push(path);
              answers.push(() => reject(Object.assign(new Error("Not Found"), { status: 404 })));
            }),
        },
      },
    };
    const reading = readPullRequestTemplate(gh, where);
    await Promise.resolve();
    expect(asked).toHaveLength(TEMPLATE_PATHS.length);
    for (const answer of answers) answer();
    expect(await reading).toBeNull();
  });

  it("is null when the repository has none; GitHub failing to say is the caller's to judge", async () => {
    expect(await readPullRequestTemplate(client({}).gh, where)).toBeNull();
    await expect(readPullRequestTemplate(client({}, 502).gh, where)).rejects.toMatchObject({ status: 502 });
  });

  it("is followed below the agent's summary, before the issue link and the credits", () => {
    const { body } = pullRequestText({
      summary: "Add tests\n\nCovers the parser.",
      fallbackTitle: "x",
      issueNumber: 4,
      isPullRequest: false,
      requester: "alice",
      triggerUrl: "https://github.com/acme/widgets/issues/4#issuecomment-1",
      transcriptUrl: "https://understudy.example/sessions/1?token=t",
      template: "## Checklist\n- [ ] Tests added",
    });
    expect(body.indexOf("Covers the parser.")).toBeLessThan(body.indexOf("## Checklist"));
    expect(body.indexOf("## Checklist")).toBeLessThan(body.indexOf("Closes #4"));
    expect(body).toContain("Requested by @alice");
  });
});
