import { expect, it } from "vitest";
import {
  hostAllowed,
  isPublicHostRule,
  loopbackEndpoints,
  parseHostRule,
  ruleForUrl,
} from "./host-allowlist.js";

it("allows a host on 443 and 80, a port only as named, and subdomains only through a wildcard", () => {
  const rules = ["registry.npmjs.org", "files.example.com:8443", "*.pypi.org"].map(parseHostRule);
  expect(hostAllowed(rules, "registry.npmjs.org", 443)).toBe(true);
  expect(hostAllowed(rules, "REGISTRY.npmjs.org.", 80)).toBe(true);
  expect(hostAllowed(rules, "registry.npmjs.org", 22)).toBe(false);
  expect(hostAllowed(rules, "evil.registry.npmjs.org", 443)).toBe(false);
  expect(hostAllowed(rules, "files.example.com", 8443)).toBe(true);
  expect(hostAllowed(rules, "files.example.com", 443)).toBe(false);
  expect(hostAllowed(rules, "upload.pypi.org", 443)).toBe(true);
  expect(hostAllowed(rules, "pypi.org", 443)).toBe(false);
  expect(hostAllowed(rules, "notpypi.org", 443)).toBe(false);
});

it("refuses what is not a rule", () => {
  for (const bad of [
    "",
    "http://x.org",
    "x.org/path",
    "*.",
    "*.1.2.3.4",
    "x.org:0",
    "x.org:70000",
    "-x.org",
    "a b",
  ])
    expect(() => parseHostRule(bad), bad).toThrow(/not a (host rule|port)/);
});

it("lets a repository name public host names only", () => {
  const verdict = (rule: string) => isPublicHostRule(parseHostRule(rule));
  expect(verdict("registry.npmjs.org")).toBe(true);
  expect(verdict("*.pypi.org")).toBe(true);
  for (const bad of [
    "127.0.0.1:8790",
    "169.254.169.254",
    "localhost",
    "api.localhost",
    "*.1",
    "10.0.0.1",
    "[::1]:80",
    "intranet",
  ])
    expect(verdict(bad), bad).toBe(false);
});

it("forwards the operator's loopback model server to its own host and port", () => {
  const rules = [ruleForUrl("http://localhost:8788"), ruleForUrl("http://127.0.0.1:9000/v1"), "x.org"].map(
    parseHostRule,
  );
  expect(loopbackEndpoints(rules)).toEqual([
    { host: "localhost", port: 8788 },
    { host: "127.0.0.1", port: 9000 },
  ]);
  expect(ruleForUrl("https://api.anthropic.com")).toBe("api.anthropic.com:443");
});
