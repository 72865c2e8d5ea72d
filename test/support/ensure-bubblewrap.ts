/**
 * The sandbox tests run agents inside bubblewrap. When `bwrap` is missing, this installs Debian's
 * `bubblewrap` package. Anything else is a clear failure, not a skip.
 */
import { spawnSync } from "node:child_process";
import { aptInstall } from "./apt-install.js";

const works = () => spawnSync("bwrap", ["--version"], { stdio: "ignore" }).status === 0;

export function ensureBubblewrap(): void {
  if (works()) return;
  aptInstall("bubblewrap", "Install it with `apt-get install bubblewrap`.");
  if (!works()) throw new Error("bubblewrap was installed but `bwrap --version` does not run");
}
