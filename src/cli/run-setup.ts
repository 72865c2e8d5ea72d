/**
 * `npm run setup [-- --org <name>] [--webhook-url <url>] [--name <name>] [--port <n>] [--force]`:
 * registers the GitHub App of app.yml through GitHub's manifest flow and writes its settings to
 * .dev.vars. The steps are in setup/start-setup.ts; this reads the flags and talks to the terminal.
 */
import { parseArgs } from "node:util";
import { SetupError } from "./setup/setup-error.js";
import { type SetupOptions, startSetup } from "./setup/start-setup.js";

export const SETUP_USAGE = `usage: npm run setup -- [--org <name>] [--webhook-url <url>] [--name <name>] [--port <n>] [--force]
  --org <name>         register the App for an organisation (default: your personal account)
  --webhook-url <url>  where GitHub delivers webhooks (default: WEBHOOK_PROXY_URL, a smee.io channel)
  --name <name>        the App's name (default: app.yml's; names are unique across GitHub)
  --port <n>           port of the local page on 127.0.0.1 (default: any free one)
  --force              replace the App settings of an existing .dev.vars (kept as .dev.vars.bak)`;

export async function runSetup(opts: {
  argv: string[];
  dir: string;
  env: Record<string, string | undefined>;
  say: (line: string) => void;
  /** Resolves when the person gives up (Ctrl-C). */
  interrupted: Promise<void>;
}): Promise<number> {
  let flags: ReturnType<typeof parse>;
  try {
    flags = parse(opts.argv);
  } catch (error) {
    opts.say(`${error instanceof Error ? error.message : String(error)}\n${SETUP_USAGE}`);
    return 2;
  }
  if (flags.help) {
    opts.say(SETUP_USAGE);
    return 0;
  }
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    opts.say(`--port must be a port number, got "${flags.port}"\n${SETUP_USAGE}`);
    return 2;
  }
  const options: SetupOptions = {
    dir: opts.dir,
    env: opts.env,
    port,
    force: flags.force ?? false,
    ...(flags.org ? { org: flags.org } : {}),
    ...(flags["webhook-url"] ? { webhookUrl: flags["webhook-url"] } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    onProblem: (message) => opts.say(`\n${message}`),
  };
  let run: Awaited<ReturnType<typeof startSetup>>;
  try {
    run = await startSetup(options);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    opts.say(error.message);
    return 1;
  }
  try {
    opts.say(`Registering the GitHub App "${run.manifest.name}" from app.yml.`);
    opts.say(`  webhooks will go to ${run.manifest.hook_attributes.url}`);
    opts.say(`Open ${run.url} in a browser on this machine and follow it to GitHub. Ctrl-C to give up.`);
    const result = await Promise.race([run.done, opts.interrupted.then(() => undefined)]);
    if (!result) {
      opts.say("Stopped; nothing was written.");
      return 1;
    }
    opts.say(
      `\nRegistered ${result.app.name} (App ${result.app.id}, @${result.app.slug}): ${result.app.htmlUrl}`,
    );
    opts.say(
      `Settings written to ${result.file}${result.backup ? ` (the previous file is ${result.backup})` : ""}.`,
    );
    for (const note of result.notes) opts.say(`Note: ${note}`);
    opts.say("Next:");
    result.steps.forEach((step, i) => {
      opts.say(`  ${i + 1}. ${step}`);
    });
    return 0;
  } finally {
    await run.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      org: { type: "string" },
      "webhook-url": { type: "string" },
      name: { type: "string" },
      port: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}
