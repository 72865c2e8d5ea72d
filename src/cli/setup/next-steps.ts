/** What to do once the App exists: the same steps in the terminal and on the local page. */
export function nextSteps(opts: {
  slug: string;
  installUrl: string;
  viaProxy: boolean;
  hasModelKey: boolean;
}): string[] {
  return [
    `Install the App on the repositories it should work on: ${opts.installUrl}`,
    ...(opts.hasModelKey ? [] : ["Put your model key in .dev.vars: ANTHROPIC_API_KEY=sk-ant-..."]),
    opts.viaProxy
      ? "Run npm start: the control plane, the sandbox host, and a smee client forwarding GitHub's webhooks to it"
      : "Run npm start and have the webhook URL reach 127.0.0.1:8787 (your tunnel), or deploy (README: Deploy)",
    `Comment on an issue there: @${opts.slug} add a CONTRIBUTING.md that explains how to run the tests`,
  ];
}
