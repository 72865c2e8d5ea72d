/**
 * Splits CGI output into status, headers and the first bytes of the body, once the blank line that
 * ends the headers has arrived; null until then. `Status:` sets the HTTP status (RFC 3875 §6.3.3).
 */
export function splitCgiHeaders(
  buffered: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | null {
  const crlf = buffered.indexOf("\r\n\r\n");
  const lf = buffered.indexOf("\n\n");
  const candidates = [crlf >= 0 ? { at: crlf, len: 4 } : null, lf >= 0 ? { at: lf, len: 2 } : null].filter(
    (c): c is { at: number; len: number } => c !== null,
  );
  const end = candidates.sort((a, b) => a.at - b.at)[0];
  if (!end) return null;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of buffered.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, rest: buffered.subarray(end.at + end.len) };
}
