/** The Worker's webhook route, appended when a URL is given without a path. */
export const WEBHOOK_PATH = "/api/github/webhooks";

export type WebhookChoice = { ok: true; url: string; via: "proxy" | "flag" } | { ok: false; message: string };

/**
 * Where GitHub should deliver webhooks. GitHub posts from the internet, so it needs a public URL:
 * a smee.io channel (WEBHOOK_PROXY_URL, which `npm start` then forwards to the local Worker) or one
 * given with --webhook-url (a tunnel or a deployed Worker). The flag wins over the environment: it
 * was typed for this run.
 */
export function chooseWebhookUrl(opts: { proxyUrl?: string; flag?: string }): WebhookChoice {
  if (opts.flag) {
    const url = parseHttpUrl(opts.flag);
    if (!url) return { ok: false, message: `--webhook-url must be an http(s) URL, got "${opts.flag}"` };
    if (url.pathname === "/") url.pathname = WEBHOOK_PATH;
    return { ok: true, url: url.toString(), via: "flag" };
  }
  if (opts.proxyUrl) {
    const url = parseHttpUrl(opts.proxyUrl);
    if (!url) {
      return { ok: false, message: `WEBHOOK_PROXY_URL must be an http(s) URL, got "${opts.proxyUrl}"` };
    }
    return { ok: true, url: url.toString(), via: "proxy" };
  }
  return {
    ok: false,
    message: [
      "GitHub delivers webhooks from the internet, so the App needs a public URL. Either:",
      "  - open https://smee.io/new, copy the channel URL, and run",
      "      WEBHOOK_PROXY_URL=https://smee.io/<channel> npm run setup",
      "    (setup keeps it in .dev.vars and `npm start` forwards the channel to the local Worker), or",
      `  - npm run setup -- --webhook-url https://<your tunnel or Worker>${WEBHOOK_PATH}`,
    ].join("\n"),
  };
}

function parseHttpUrl(s: string): URL | undefined {
  if (!URL.canParse(s)) return undefined;
  const url = new URL(s);
  return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
}
