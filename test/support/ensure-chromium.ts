/**
 * The browser tests drive Debian's `chromium` with playwright-core, never a downloaded browser. When
 * it is missing, this installs it from Debian's packages (as root, or through passwordless sudo) so
 * a fresh machine or CI needs nothing done by hand. Anything else is a clear failure, not a skip.
 */
import { existsSync } from "node:fs";
import { aptInstall } from "./apt-install.js";

export const CHROMIUM = process.env.UNDERSTUDY_CHROMIUM ?? "/usr/bin/chromium";

/** Flags that work here (../shared/reference/README.md): headless, no sandbox, nothing phoned home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  aptInstall(
    "chromium",
    "Install it with `apt-get install chromium`, or point UNDERSTUDY_CHROMIUM at a Chromium binary.",
  );
  if (!existsSync(CHROMIUM)) throw new Error(`chromium was installed but ${CHROMIUM} is not there`);
  return CHROMIUM;
}
