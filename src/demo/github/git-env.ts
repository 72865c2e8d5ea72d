/**
 * The environment for every git the stand-in runs: the machine's git config (credential helpers,
 * signing, hooks paths) must not leak into a fake GitHub, and git must never prompt.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "GitHub Stand-in",
    GIT_AUTHOR_EMAIL: "stand-in@users.noreply.github.com",
    GIT_COMMITTER_NAME: "GitHub Stand-in",
    GIT_COMMITTER_EMAIL: "stand-in@users.noreply.github.com",
    ...extra,
  };
}
