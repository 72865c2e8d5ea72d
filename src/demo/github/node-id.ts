/** GitHub's legacy global node id: base64 of "<len>:<Type><id>", e.g. "04:User21031067". */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`${String(type.length).padStart(2, "0")}:${type}${id}`).toString("base64");
}
