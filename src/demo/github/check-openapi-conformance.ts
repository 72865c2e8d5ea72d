import { matchOpenApiPath } from "./match-openapi-path.js";
import type { BodyForm, OpenApiIndex, OperationRule, ValueRule } from "./openapi-index.js";

export type ApiRequest = {
  method: string;
  /** The path under the API root, without the query: `/repos/o/r/issues/1/comments`. */
  path: string;
  /** The query string (with or without its `?`) or its parsed form. */
  query?: string | URLSearchParams;
  /** The request's content-type header; a body without one is taken as JSON, as Octokit sends. */
  contentType?: string;
  /** The parsed JSON body; undefined when the request had none. */
  body?: unknown;
  /** A body that is not JSON (another media type, or JSON that does not parse), as text. */
  bodyText?: string;
};

/**
 * Whether GitHub documents this request: the path and method name an operation, path parameters
 * are present and of their type, query parameters are documented ones, and the JSON body's
 * top-level fields are documented (required ones present, simple types and enums respected).
 * Returns the problems in plain words; an empty list means the request is documented.
 */
export function checkOpenApiConformance(index: OpenApiIndex, request: ApiRequest): string[] {
  // HTTP lets HEAD go wherever GET does; the description lists only GET.
  const method = request.method.toUpperCase() === "HEAD" ? "GET" : request.method.toUpperCase();
  const matches = matchOpenApiPath(index, request.path);
  if (matches.length === 0) return [`no documented path matches ${request.path} (${index.source})`];
  const match = matches.find((m) => m.entry.operations.has(method));
  if (!match) {
    const { template, operations } = matches[0]!.entry;
    return [`${method} is not documented for ${template} (documented: ${[...operations.keys()].join(", ")})`];
  }
  const op = match.entry.operations.get(method)!;
  const problems: string[] = [];

  for (const [name, value] of Object.entries(match.params)) {
    const rule = op.pathParams.get(name);
    const wrong = rule && stringValueProblem(rule.value, value);
    if (wrong) problems.push(`path parameter ${name} ${wrong}`);
  }

  const query = request.query instanceof URLSearchParams ? request.query : new URLSearchParams(request.query);
  for (const [name, value] of query) {
    const rule = op.query.get(name);
    if (!rule) {
      problems.push(`query parameter "${name}" is not documented${known(op.query.keys())}`);
      continue;
    }
    const wrong = stringValueProblem(rule.value, value);
    if (wrong) problems.push(`query parameter "${name}" ${wrong}`);
  }
  for (const rule of op.query.values()) {
    if (rule.required && !query.has(rule.name))
      problems.push(`required query parameter "${rule.name}" is missing`);
  }

  problems.push(...bodyProblems(op, request));
  return problems.map((p) => `${op.id}: ${p}`);
}

function bodyProblems(op: OperationRule, request: ApiRequest): string[] {
  if (request.body === undefined && request.bodyText === undefined) {
    return op.body?.required ? ["the request body is missing"] : [];
  }
  if (!op.body) return [`sends a body, but ${op.method} ${op.template} takes none`];
  const media = (request.contentType?.split(";")[0] ?? "").trim().toLowerCase() || "application/json";
  const forms = op.body.jsonForms;
  if (media === "application/json" && request.body === undefined) return ["the body is not valid JSON"];
  if (media !== "application/json" || !forms) {
    return op.body.mediaTypes.includes(media)
      ? []
      : [`body sent as ${media}, documented as ${op.body.mediaTypes.join(" or ")}`];
  }
  // With several forms, report against the nearest: one of the body's own type (a body of another
  // type says little about which fields were meant), then the one with the fewest problems.
  const ranked = forms
    .map((form) => {
      const problems = formProblems(form, request.body);
      const expected = bodyType(form);
      const otherType = expected !== undefined && !fits(expected, jsonType(request.body));
      return { problems, rank: problems.length + (otherType ? 1000 : 0) };
    })
    .sort((a, b) => a.rank - b.rank);
  const best = ranked[0]!.problems;
  if (best.length === 0 || forms.length === 1) return best;
  return best.map((p) => `${p} (nearest of ${forms.length} documented body forms)`);
}

function bodyType(form: BodyForm): string | undefined {
  return form.type ?? (form.properties.size > 0 ? "object" : undefined);
}

function formProblems(form: BodyForm, body: unknown): string[] {
  const expected = bodyType(form);
  const actual = jsonType(body);
  if (expected === "object" && actual !== "object")
    return [`the body is ${article(actual)}, not a JSON object`];
  if (expected && expected !== "object") {
    return fits(expected, actual) ? [] : [`the body is ${article(actual)}, not ${article(expected)}`];
  }
  if (actual !== "object") return [];
  const fields = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const rule = form.properties.get(field);
    if (!rule) {
      if (form.closed)
        problems.push(`body field "${field}" is not documented${known(form.properties.keys())}`);
      continue;
    }
    const wrong = valueProblem(rule, value);
    if (wrong) problems.push(`body field "${field}" ${wrong}`);
  }
  for (const field of form.required) {
    if (!Object.hasOwn(fields, field)) problems.push(`required body field "${field}" is missing`);
  }
  return problems;
}

/** A JSON value against its rule; undefined when it fits. */
function valueProblem(rule: ValueRule, value: unknown): string | undefined {
  if (value === null)
    return rule.nullable || rule.types === undefined ? undefined : "is null, which is not allowed";
  const actual = jsonType(value);
  if (rule.types && !rule.types.some((t) => fits(t, actual))) {
    return `is ${article(actual)}, not ${rule.types.map(article).join(" or ")}`;
  }
  if (rule.enum && !rule.enum.includes(value))
    return `is ${JSON.stringify(value)}, not one of ${list(rule.enum)}`;
  return undefined;
}

/** A path or query value (always a string on the wire) against its rule. */
function stringValueProblem(rule: ValueRule, value: string): string | undefined {
  const types = rule.types ?? [];
  if (types.length === 1) {
    const [type] = types;
    if (type === "integer" && !/^-?\d+$/.test(value)) return `is "${value}", not an integer`;
    if (type === "number" && (value.trim() === "" || !Number.isFinite(Number(value)))) {
      return `is "${value}", not a number`;
    }
    if (type === "boolean" && value !== "true" && value !== "false")
      return `is "${value}", not true or false`;
  }
  if (rule.enum && !rule.enum.map(String).includes(value))
    return `is "${value}", not one of ${list(rule.enum)}`;
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** JSON Schema's "number" admits integers. */
function fits(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

function article(type: string): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function list(values: Iterable<unknown>): string {
  return [...values].map((v) => JSON.stringify(v)).join(", ");
}

function known(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? " (none are)" : ` (documented: ${all.join(", ")})`;
}
