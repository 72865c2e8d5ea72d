import { chmod, copyFile, writeFile } from "node:fs/promises";

/**
 * Writes `.dev.vars`, readable by its owner only (it holds the App's private key). An existing file
 * is replaced only with `force`, after a copy to `.dev.vars.bak`; without it, a file that appeared
 * since setup started is left alone and the settings go to `.dev.vars.new`, so a key GitHub hands out
 * once is never lost.
 */
export async function writeDevVars(
  file: string,
  text: string,
  force: boolean,
): Promise<{ path: string; backup?: string; diverted?: boolean }> {
  if (force) {
    const backup = `${file}.bak`;
    const hadFile = await copyFile(file, backup).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return false;
        throw error;
      },
    );
    await writeFile(file, text, { mode: 0o600 });
    // `mode` applies only to a file writeFile creates.
    await chmod(file, 0o600);
    return hadFile ? { path: file, backup } : { path: file };
  }
  try {
    await writeFile(file, text, { mode: 0o600, flag: "wx" });
    return { path: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const diverted = `${file}.new`;
    await writeFile(diverted, text, { mode: 0o600 });
    return { path: diverted, diverted: true };
  }
}
