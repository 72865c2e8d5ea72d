/**
 * Which hosts a sandbox may reach through its network proxy. A rule is `host`, `host:port`,
 * `*.domain` (any subdomain, not the domain itself) or `*.domain:port`; without a port, 443 and 80
 * are allowed. Hosts compare case-insensitively, with a trailing dot ignored. Pure: the proxy asks,
 * this answers.
 */

export type HostRule = { host: string; wildcard: boolean; ports: readonly number[] };

const DEFAULT_PORTS = [443, 80] as const;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** The host in canonical form: lower case, no trailing dot, an IPv6 literal without brackets. */
export function canonicalHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, "");
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** Parses one rule; throws with a message naming the rule when it is not one. */
export function parseHostRule(rule: string): HostRule {
  const text = rule.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
  } else {
    const at = text.lastIndexOf(":");
    host = at >= 0 ? text.slice(0, at) : text;
    port = at >= 0 ? text.slice(at + 1) : undefined;
  }
  const wildcard = host.startsWith("*.");
  if (wildcard) host = host.slice(2);
  host = canonicalHost(host);
  const validName = host.split(".").every((label) => LABEL.test(label));
  if (!(bracketed || IPV4.test(host) || validName) || (wildcard && (bracketed || IPV4.test(host))))
    throw new Error(`not a host rule: ${JSON.stringify(rule)} (expected host, host:port or *.domain)`);
  if (port === undefined) return { host, wildcard, ports: DEFAULT_PORTS };
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n < 1 || n > 65_535)
    throw new Error(`not a port in host rule ${JSON.stringify(rule)}`);
  return { host, wildcard, ports: [n] };
}

/** True when some rule lets `host:port` through. */
export function hostAllowed(rules: readonly HostRule[], host: string, port: number): boolean {
  const h = canonicalHost(host);
  return rules.some((r) => r.ports.includes(port) && (r.wildcard ? h.endsWith(`.${r.host}`) : h === r.host));
}

/** The rule that lets the sandbox reach a model API at `baseUrl` (its host and its port). */
export function ruleForUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  // An IPv6 hostname keeps its brackets in a URL, which is the rule's form too.
  return `${url.hostname}:${port}`;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** A loopback host and port of the host machine that the sandbox reaches at the same port. */
export type LoopbackEndpoint = { host: string; port: number };

/**
 * Loopback endpoints among the rules (a model server on the host in development): inside the
 * sandbox's network namespace they are forwarded, through the proxy, to the rule's own host.
 */
export function loopbackEndpoints(rules: readonly HostRule[]): LoopbackEndpoint[] {
  const seen = new Map<number, LoopbackEndpoint>();
  for (const r of rules) {
    if (r.wildcard || !LOOPBACK.has(r.host)) continue;
    for (const port of r.ports) if (!seen.has(port)) seen.set(port, { host: r.host, port });
  }
  return [...seen.values()];
}

/**
 * Whether a rule from a repository's config is one it may set: a public host name. Addresses,
 * loopback names and all-digit labels (which resolvers read as addresses) would open the host's own
 * services or its cloud metadata endpoint to the agent; only the operator's model URL may name those.
 */
export function isPublicHostRule(rule: HostRule): boolean {
  if (rule.host.includes(":") || /^[\d.]+$/.test(rule.host) || /^0x/i.test(rule.host)) return false;
  if (LOOPBACK.has(rule.host) || rule.host.endsWith(".localhost")) return false;
  const labels = rule.host.split(".");
  return !/^\d+$/.test(labels[labels.length - 1]!) && labels.length >= 2;
}
