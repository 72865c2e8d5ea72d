/** The first line of the commit the bridge makes for what the agent left: the task, short, capitalised. */
export function commitTitle(task: string, issueNumber: number): string {
  const line = (task.split("\n")[0] ?? "").trim();
  const short = line.length > 60 ? `${line.slice(0, 59).trimEnd()}…` : line;
  return `${short.charAt(0).toUpperCase()}${short.slice(1)} (#${issueNumber})`;
}
