import { splitPath } from "./build-openapi-index.js";
import type { OpenApiIndex, PathEntry, PathNode } from "./openapi-index.js";

export type PathMatch = { entry: PathEntry; params: Record<string, string> };

/**
 * The documented path templates a concrete path (without `/api/v3`) fits, most specific first: at
 * each segment a literal beats `{param}`, which beats a multi-segment `{param}` (shortest span first).
 * Segments are percent-decoded, so Octokit's `%2F` inside a file path stays inside one parameter.
 */
export function matchOpenApiPath(index: OpenApiIndex, path: string): PathMatch[] {
  const segments = splitPath(path).map(decodeSegment);
  const found: PathMatch[] = [];
  const walk = (node: PathNode, i: number, values: string[]) => {
    if (i === segments.length) {
      if (node.entry) found.push({ entry: node.entry, params: bind(node.entry, values) });
      return;
    }
    const segment = segments[i]!;
    const literal = node.literal.get(segment);
    if (literal) walk(literal, i + 1, values);
    // An empty segment (`/repos/o//issues`) is a missing parameter, not an empty one.
    if (segment === "") return;
    if (node.param) walk(node.param, i + 1, [...values, segment]);
    if (node.multi) {
      for (let end = i + 1; end <= segments.length; end++) {
        if (segments[end - 1] === "") break;
        walk(node.multi, end, [...values, segments.slice(i, end).join("/")]);
      }
    }
  };
  walk(index.root, 0, []);
  return found;
}

function bind(entry: PathEntry, values: string[]): Record<string, string> {
  return Object.fromEntries(entry.paramNames.map((name, i) => [name, values[i] ?? ""]));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
