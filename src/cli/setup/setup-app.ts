import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { renderMessagePage } from "./render-setup-page.js";
import { SetupError } from "./setup-error.js";

/** What the local page reports once GitHub's code has been exchanged and the settings written. */
export type Completion = { title: string; lines: string[]; links: Array<{ href: string; text: string }> };

export type SetupAppDeps = {
  /** `127.0.0.1:PORT`: any other Host header is refused (DNS rebinding would otherwise read the state). */
  host: string;
  /** Sent to GitHub with the form and required back with the code. */
  state: string;
  /** The page with the manifest form. */
  manifestPage(): string;
  /** Exchanges the code and writes the settings; a SetupError's message is shown as it is. */
  complete(code: string): Promise<Completion>;
  /** Told about every refused or failed return, as the page is. */
  onProblem(message: string): void;
};

/**
 * The local setup page: `GET /` shows the form that posts the manifest to GitHub, `GET /callback` is
 * where GitHub redirects with `?code=…&state=…`. After a failure the page stays up, so a reload or a
 * new attempt works; after a success the same callback shows the result again and exchanges nothing.
 */
export function setupApp(deps: SetupAppDeps): Hono {
  const app = new Hono();
  const expected = Buffer.from(deps.state);
  let completion: Completion | undefined;
  // One exchange at a time: a double-submitted redirect must not spend the code twice.
  let pending: Promise<unknown> = Promise.resolve();

  const problem = (status: 400 | 421 | 500 | 502, title: string, message: string) => {
    deps.onProblem(message);
    return new Response(
      renderMessagePage({ title, lines: [message], links: [{ href: "/", text: "Start again" }] }),
      { status, headers: { "content-type": "text/html; charset=utf-8" } },
    );
  };

  app.use(async (c, next) => {
    if (c.req.header("host") !== deps.host) {
      return problem(421, "Wrong address", `This page answers only at http://${deps.host}/.`);
    }
    await next();
  });

  app.get("/", (c) => c.html(deps.manifestPage()));

  app.get("/callback", async (c) => {
    const state = Buffer.from(c.req.query("state") ?? "");
    if (state.length !== expected.length || !timingSafeEqual(state, expected)) {
      return problem(
        400,
        "Not from this setup",
        "GitHub's redirect does not carry the state this setup sent (it belongs to another attempt, or was " +
          "not sent by GitHub). Nothing was exchanged; start again from the setup page.",
      );
    }
    const code = c.req.query("code");
    if (!code) return problem(400, "No code", "GitHub's redirect carries no code; start again.");
    const run = pending.then(async () => {
      completion ??= await deps.complete(code);
      return completion;
    });
    pending = run.catch(() => undefined);
    try {
      const done = await run;
      // The connection closes after this page, so closing the server right after does not cut it.
      return c.html(renderMessagePage(done), 200, { connection: "close" });
    } catch (error) {
      if (error instanceof SetupError) return problem(502, "Registration not finished", error.message);
      throw error;
    }
  });

  app.onError((error) =>
    problem(
      500,
      "Setup failed",
      `setup failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );
  return app;
}
