/** `understudy/<issue>-<slug>`: stable per issue, readable in `git branch`, valid as a git ref. */
export function branchName(prefix: string, issueNumber: number, title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  const cleanPrefix = prefix.replace(/\/+$/, "");
  return `${cleanPrefix}/${issueNumber}${slug ? `-${slug}` : ""}`;
}
