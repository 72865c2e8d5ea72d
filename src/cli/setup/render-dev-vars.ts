/** The settings a registration produces, as the Worker names them. */
export type RegisteredApp = {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  /** PKCS#8 PEM, real newlines. */
  privateKeyPkcs8: string;
  webhookSecret: string;
};

/** Written by setup itself; every other entry of an existing file is kept as it was. */
const APP_KEYS = ["APP_ID", "APP_SLUG", "PRIVATE_KEY", "WEBHOOK_SECRET"] as const;
/** Secrets the local stack needs that are not GitHub's: kept when present, generated otherwise. */
const OWN_SECRETS = ["SANDBOX_HOST_SECRET", "LINK_SECRET"] as const;

/**
 * The text of `.dev.vars` (dotenv syntax, read by `wrangler dev` and `npm start`) for a newly
 * registered App. `previous` is what the file held (kept, except the App's own settings), `carry`
 * holds settings from this run's environment worth keeping (WEBHOOK_PROXY_URL, GitHub's URLs, the
 * model key); `newSecret` makes a secret (hex: a bearer token must be able to carry it).
 */
export function renderDevVars(opts: {
  app: RegisteredApp;
  previous: Record<string, string>;
  carry: Record<string, string | undefined>;
  newSecret: () => string;
}): string {
  const { app, previous } = opts;
  const values = new Map<string, string>([
    ["APP_ID", String(app.id)],
    ["APP_SLUG", app.slug],
    ["PRIVATE_KEY", app.privateKeyPkcs8],
    ["WEBHOOK_SECRET", app.webhookSecret],
  ]);
  // Kept secrets keep sandboxes and transcript links made before working.
  for (const k of OWN_SECRETS)
    values.set(k, previous[k] && previous[k].length >= 16 ? previous[k] : opts.newSecret());
  for (const [k, v] of Object.entries(opts.carry)) if (v) values.set(k, v);
  for (const [k, v] of Object.entries(previous)) {
    if (!values.has(k) && !(APP_KEYS as readonly string[]).includes(k)) values.set(k, v);
  }
  const lines = [
    `# Written by \`npm run setup\` for the GitHub App "${app.name}" (${app.htmlUrl}).`,
    "# Read by `npm start` and `wrangler dev`. Git-ignored: it holds the App's private key; never commit it.",
    ...[...values].map(([k, v]) => `${k}=${formatValue(v)}`),
  ];
  if (!values.has("ANTHROPIC_API_KEY")) {
    lines.push("# The agent in the local sandbox needs a model key:", "# ANTHROPIC_API_KEY=sk-ant-...");
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Bare when that is unambiguous, else double-quoted with newlines written as `\n`: dotenv (wrangler)
 * turns them back into newlines inside double quotes, and worker/config.ts accepts either form.
 */
function formatValue(v: string): string {
  return /^[\w@%+=:,./~-]*$/.test(v) ? v : `"${v.replace(/\r?\n/g, "\\n")}"`;
}
