/**
 * Removes credentials from text before it is stored or shown. Patterns follow the documented token
 * formats of GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and Anthropic/OpenAI keys, plus any
 * exact secrets the caller knows about (the sandbox's own git token, for instance).
 */
export const REDACTED = "[redacted]";

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g, REDACTED],
  [/\bsk-ant-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{32,}/g, REDACTED],
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, `$1\n${REDACTED}\n$2`],
  [/(Authorization:\s*(?:Basic|Bearer|token)\s+)[A-Za-z0-9+/=._-]{8,}/gi, `$1${REDACTED}`],
];

export function redact(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T, known: readonly string[] = []): T {
  if (typeof value === "string") return redact(value, known) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, known)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, known)])) as T;
  }
  return value;
}
