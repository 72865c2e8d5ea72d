import { SmeeClient } from "smee-client";

export type WebhookProxy = { stop(): Promise<void> };

/**
 * Forwards a smee.io channel (WEBHOOK_PROXY_URL) to the local Worker, so GitHub can deliver webhooks
 * to a machine it cannot reach. The channel replays each delivery's headers, signature included. A
 * channel that cannot be reached is reported, not fatal: the stack still runs, and the client keeps
 * reconnecting.
 */
export function startWebhookProxy(opts: {
  source: string;
  target: string;
  say: (line: string) => void;
}): WebhookProxy {
  const smee = new SmeeClient({
    source: opts.source,
    target: opts.target,
    logger: {
      info: (...args: unknown[]) => opts.say(`smee: ${args.map(String).join(" ")}`),
      error: (...args: unknown[]) => opts.say(`smee: ${args.map(describe).join(" ")}`),
    },
  });
  smee.start().catch((error: unknown) => {
    opts.say(`smee: cannot reach ${opts.source} yet (${describe(error)}); retrying`);
  });
  return { stop: () => smee.stop() };
}

const describe = (x: unknown): string =>
  x instanceof Error
    ? x.message
    : typeof x === "object" && x && "message" in x
      ? String(x.message)
      : String(x);
