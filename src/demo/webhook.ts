/**
 * Webhook deliveries as GitHub makes them, for end-to-end tests and the offline demo.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

/** `sha256=<hex>`: the X-Hub-Signature-256 value for `body` under `secret`. */
export function signWebhook(secret: string, body: string): Promise<string> {
  return sign(secret, body);
}

export type Delivery = {
  /** The event name: X-GitHub-Event, e.g. "issue_comment". */
  name: string;
  /** X-GitHub-Delivery; a fresh UUID when omitted. Reuse one to simulate a redelivery. */
  id?: string;
  payload: unknown;
  /** The App the hook belongs to: X-GitHub-Hook-Installation-Target-ID. */
  appId?: number;
} & ({ secret: string; signature?: undefined } | { signature: string; secret?: string });

/**
 * POSTs a delivery with GitHub's headers and the exact bytes that were signed. A `signature`
 * overrides the computed one (or stands in for a missing secret), for tests of rejection.
 */
export async function deliverWebhook(url: string, delivery: Delivery): Promise<Response> {
  const body = JSON.stringify(delivery.payload);
  const signature =
    delivery.signature !== undefined ? delivery.signature : await signWebhook(delivery.secret, body);
  return fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/8a2b4c1",
      accept: "*/*",
      "x-github-event": delivery.name,
      "x-github-delivery": delivery.id ?? randomUUID(),
      "x-hub-signature-256": signature,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      ...(delivery.appId === undefined
        ? {}
        : { "x-github-hook-installation-target-id": String(delivery.appId) }),
    },
  });
}
