/** The username and password of an `Authorization: Basic` header, or null. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | null {
  const match = header?.trim().match(/^basic\s+(\S+)$/i);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
