/**
 * Installs a Debian package for the tests' own needs (chromium, bubblewrap): as root, or through
 * passwordless sudo, so a fresh machine or CI needs nothing done by hand. Throws with `hint` when it
 * cannot.
 */
import { execFileSync } from "node:child_process";

export function aptInstall(pkg: string, hint: string): void {
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    asRoot
      ? execFileSync(args[0]!, args.slice(1), {
          stdio: "inherit",
          env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        })
      : execFileSync("sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", ...args], { stdio: "inherit" });
  try {
    run(["apt-get", "update", "-qq"]);
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", pkg]);
  } catch (error) {
    throw new Error(`${pkg} is not installed and could not be installed (${String(error)}). ${hint}`);
  }
}
