/**
 * Splits an Authorization header into scheme and credential. GitHub takes installation tokens as
 * `token X` or `Bearer X` and App JWTs as `Bearer X`; the scheme is case-insensitive.
 */
export function parseAuthorization(header: string | null): { scheme: string; credential: string } | null {
  const match = header?.trim().match(/^(\S+)\s+(\S+)$/);
  if (!match?.[1] || !match[2]) return null;
  return { scheme: match[1].toLowerCase(), credential: match[2] };
}
