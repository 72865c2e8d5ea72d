/**
 * Runs a command inside bubblewrap (`bwrap`): new PID, IPC, UTS, cgroup, user and network namespaces,
 * every capability dropped, the host's system directories read-only, and of the host's files only
 * what the layout names. The workspace, HOME and TMPDIR of the run are the only writable places. No
 * other sandbox, the host's home, the project's own files (its `.dev.vars`) or the bridge's spool are
 * visible, and the bridge itself, which holds the sandbox token, is in a PID namespace the agent
 * cannot see into.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoopbackEndpoint } from "../../core/host-allowlist.js";
import type { Command } from "../agents/pid-namespace.js";

export type SandboxLayout = {
  /** The checkout: writable, and the working directory. */
  workspace: string;
  home: string;
  tmp: string;
  /** More host paths the command needs, bound read-only at the same path (the agent CLI's package). */
  readOnly: readonly string[];
  /** The bridge's proxy socket and the loopback endpoints to forward through it (see sandbox-init.mjs). */
  network: { socketPath: string; forwards: readonly LoopbackEndpoint[] };
};

/** The port inside the sandbox on which HTTP_PROXY / HTTPS_PROXY listen. */
export const PROXY_PORT = 3128;
/** Where the proxy socket appears inside the sandbox. */
const SOCKET_INSIDE = "/run/understudy/proxy.sock";

// Top-level directories of the host's system, bound read-only (or re-created as the symlinks they
// are on a merged-/usr system). /etc is not among them: only the files below are.
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"];
const ETC_FILES = [
  "/etc/passwd",
  "/etc/group",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/alternatives",
  "/etc/localtime",
  "/etc/bash.bashrc",
  "/etc/profile",
  "/etc/inputrc",
  "/etc/mime.types",
  "/etc/os-release",
  "/etc/debian_version",
];

/** The init program that runs first inside the sandbox (plain JavaScript: nothing else is there). */
export function sandboxInitPath(): string {
  // Found from the project root, so it works from the sources and from a bundled bridge alike.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, "src", "sandbox", "isolation", "sandbox-init.mjs");
    if (existsSync(candidate)) return candidate;
    const here = join(dir, "sandbox-init.mjs");
    if (existsSync(here)) return here;
    dir = dirname(dir);
  }
  throw new Error("sandbox-init.mjs is not where the project keeps it");
}

function systemBinds(): string[] {
  const args: string[] = [];
  for (const path of SYSTEM_DIRS) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else args.push("--ro-bind", path, path);
  }
  for (const path of ETC_FILES) args.push("--ro-bind-try", path, path);
  return args;
}

/**
 * Node's own installation, when it is outside the system directories (nvm, volta, asdf): the init
 * runs on it, and setup commands want its npm.
 */
function nodeInstall(): { node: string; binds: string[] } {
  const node = realpathSync(process.execPath);
  const prefix = dirname(dirname(node));
  const inSystem = SYSTEM_DIRS.some((dir) => prefix === dir || prefix.startsWith(`${dir}/`));
  return { node, binds: inSystem ? [] : ["--ro-bind", prefix, prefix] };
}

/**
 * `cmd` as a bubblewrap command line over `layout`. bubblewrap itself ignores SIGTERM (a stop's
 * first signal goes to the whole process group, and bubblewrap dying would SIGKILL everything inside
 * at once): the init and the agent get it and can end cleanly; SIGKILL to bubblewrap's PID 1 ends all.
 */
export function bubblewrapCommand(layout: SandboxLayout, cmd: Command): Command {
  const init = sandboxInitPath();
  const { node, binds } = nodeInstall();
  const config = JSON.stringify({
    socket: SOCKET_INSIDE,
    proxyPort: PROXY_PORT,
    forwards: layout.network.forwards,
  });
  const args = [
    "--unshare-all",
    "--die-with-parent",
    "--cap-drop",
    "ALL",
    "--hostname",
    "sandbox",
    ...systemBinds(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/run",
    ...binds,
    ...layout.readOnly.flatMap((path) => ["--ro-bind", path, path]),
    "--ro-bind",
    init,
    init,
    "--bind",
    layout.home,
    layout.home,
    "--bind",
    layout.tmp,
    layout.tmp,
    "--bind",
    layout.workspace,
    layout.workspace,
    "--bind",
    layout.network.socketPath,
    SOCKET_INSIDE,
    "--chdir",
    layout.workspace,
    "--",
    node,
    init,
    config,
    "--",
    cmd.command,
    ...cmd.args,
  ];
  return { command: "/bin/sh", args: ["-c", 'trap "" TERM; exec bwrap "$@"', "sh", ...args] };
}

/** The proxy variables the command inside needs (set in its environment by the runner's env). */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${PROXY_PORT}`;
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: "", no_proxy: "" };
}

let works: boolean | undefined;

/** Whether bubblewrap is installed and can make its namespaces here (probed once per process). */
export function bubblewrapWorks(): boolean {
  if (works === undefined) {
    const probe = spawnSync(
      "bwrap",
      ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--", "true"],
      { stdio: "ignore", timeout: 10_000 },
    );
    works = probe.status === 0;
  }
  return works;
}
