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
    // The backup holds the old key: owner-only, whatever mode the old file had.
    if (hadFile) await chmod(backup, 0o600);
    // Made owner-only before the new key is written into it (`mode` applies only to a new file).
    await writeFile(file, "", { mode: 0o600 });
    await chmod(file, 0o600);
    await writeFile(file, text);
    return hadFile ? { path: file, backup } : { path: file };
  }
  try {
    await writeFile(file, text, { mode: 0o600, flag: "wx" });
    return { path: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const diverted = `${file}.new`;
    await writeFile(diverted, "", { mode: 0o600 });
    await chmod(diverted, 0o600);
    await writeFile(diverted, text);
    return { path: diverted, diverted: true };
  }
}
