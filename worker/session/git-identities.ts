/**
 * Who the bridge's commits are by: the App's bot user as author, the person who asked as co-author,
 * both with GitHub's noreply addresses so that the commits link to the accounts and leak no email.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { SandboxSpec } from "../../src/core/wire.js";
import type { Config } from "../config.js";

export function gitIdentities(
  config: Pick<Config, "APP_SLUG" | "APP_ID">,
  requester: StartSessionRequest["requester"],
): Pick<SandboxSpec, "author" | "coAuthor"> {
  const bot = `${config.APP_SLUG}[bot]`;
  return {
    author: { name: bot, email: `${config.APP_ID}+${bot}@users.noreply.github.com` },
    coAuthor: {
      name: requester.login,
      // A request made through the REST API has no GitHub account id: the id-less noreply form.
      email:
        requester.id > 0
          ? `${requester.id}+${requester.login}@users.noreply.github.com`
          : `${requester.login}@users.noreply.github.com`,
    },
  };
}
