/**
 * The `understudy` command: `start` (local stack) and `demo` (the offline story).
 */
import { NO_BUBBLEWRAP } from "../sandbox/host/start-sandbox-host.js";
import { buildContainer } from "./build-container.js";
import { runDemo } from "./run-demo.js";
import { runSessionCommand } from "./run-session-command.js";
import { runSetup } from "./run-setup.js";
import { runStart } from "./run-start.js";
import { projectRoot } from "./start-control-plane.js";

const USAGE = `usage: understudy <command>
  setup [--org <name>] [--webhook-url <url>] [--force]
                  register the GitHub App of app.yml (GitHub's manifest flow) and write .dev.vars
  start [--unsafe-no-isolation]
                  run the control plane (workerd) and the local sandbox host on 127.0.0.1
  demo [--keep] [--unsafe-no-isolation]
                  run the whole flow offline: webhook → agent → branch → pull request
                  --keep leaves the stack running so the transcript can be opened in a browser
                  agents run inside bubblewrap (apt-get install bubblewrap); without it the
                  host refuses to start unless --unsafe-no-isolation runs them unisolated
  build-container   fill container/ (bridge bundle, pinned agent CLIs) for SANDBOX_PROVIDER=cloudflare;
                  \`wrangler deploy\` then builds container/Dockerfile
  status <session>  a session's state, current step and queue (REST API)
  stop <session>    stop the session's run, keep its work on the branch, clear its queue
  events <session>  the newest events of the session, as JSON
                  <session> is a session id or transcript link; set UNDERSTUDY_URL (default
                  http://127.0.0.1:8787) and UNDERSTUDY_ADMIN_TOKEN (the control plane's ADMIN_TOKEN)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "demo") {
    const keep = rest.includes("--keep");
    const result = await runDemo({ keep, unsafeNoIsolation: rest.includes("--unsafe-no-isolation") });
    if (!result.ok) return 1;
    if (keep && result.stack) {
      process.stdout.write(
        "\nThe stack keeps running (--keep). Open the transcript URL above; Ctrl-C to stop.\n",
      );
      await waitForSignal();
      await result.stack.close();
    }
    return 0;
  }
  if ((command === "status" || command === "stop" || command === "events") && rest[0]) {
    const result = await runSessionCommand({
      command,
      session: rest[0],
      url: process.env.UNDERSTUDY_URL ?? "http://127.0.0.1:8787",
      token: process.env.UNDERSTUDY_ADMIN_TOKEN,
    });
    (result.code === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
    return result.code;
  }
  if (command === "setup") {
    return runSetup({
      argv: rest,
      dir: projectRoot,
      env: process.env,
      say: (line) => process.stdout.write(`${line}\n`),
      interrupted: waitForSignal(),
    });
  }
  if (command === "build-container") {
    const built = await buildContainer(projectRoot);
    const agents = Object.entries(built.agents).map(([name, version]) => `${name}@${version}`);
    process.stdout.write(`wrote ${built.bridge} and ${built.packageJson} (${agents.join(", ")})\n`);
    return 0;
  }
  if (command === "start") {
    const stack = await runStart({ unsafeNoIsolation: rest.includes("--unsafe-no-isolation") });
    await waitForSignal();
    await stack.close();
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

const waitForSignal = () =>
  new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof Error && error.message === NO_BUBBLEWRAP) {
      process.stderr.write(`${NO_BUBBLEWRAP}\n`);
      process.exit(1);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
