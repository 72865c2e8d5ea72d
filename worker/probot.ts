/**
 * One Probot per isolate and configuration: it caches installation tokens, so building it per
 * request would mint a token per webhook.
 */
import { Probot } from "probot";
import type { Config } from "./config.js";

let cached: { key: string; probot: Probot } | undefined;

export function getProbot(config: Config): Probot {
  const key = `${config.APP_ID}|${config.GITHUB_API_URL}|${config.PRIVATE_KEY.length}`;
  if (cached?.key !== key) {
    cached = {
      key,
      probot: new Probot({
        appId: config.APP_ID,
        privateKey: config.PRIVATE_KEY,
        secret: config.WEBHOOK_SECRET,
        baseUrl: config.GITHUB_API_URL,
        logLevel: "info",
      }),
    };
  }
  return cached.probot;
}
