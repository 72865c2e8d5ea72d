import { runGit } from "./run-git.js";

/** Every ref in a bare repository with the commit it points at. */
export async function listRefs(gitDir: string): Promise<Map<string, string>> {
  const out = await runGit(gitDir, ["for-each-ref", "--format=%(objectname) %(refname)"]);
  const refs = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [sha, ref] = line.split(" ");
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}
