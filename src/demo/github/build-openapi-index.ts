import * as z from "zod";
import type {
  BodyForm,
  OpenApiIndex,
  OperationRule,
  ParamRule,
  PathEntry,
  PathNode,
  ValueRule,
} from "./openapi-index.js";

// Only the parts of OpenAPI 3.0 the check reads; everything else (descriptions, examples, responses)
// is stripped.
const Ref = z.object({ $ref: z.string() });
const Schema = z.object({
  type: z.union([z.string(), z.array(z.string())]).optional(),
  nullable: z.boolean().optional(),
  enum: z.array(z.unknown()).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  required: z.array(z.string()).optional(),
  additionalProperties: z.unknown().optional(),
  oneOf: z.array(z.unknown()).optional(),
  anyOf: z.array(z.unknown()).optional(),
  allOf: z.array(z.unknown()).optional(),
});
type Schema = z.infer<typeof Schema>;
const Parameter = z.object({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  schema: z.unknown().optional(),
  "x-multi-segment": z.boolean().optional(),
});
const RequestBody = z.object({
  required: z.boolean().optional(),
  content: z.record(z.string(), z.object({ schema: z.unknown().optional() })),
});
const Operation = z.object({
  operationId: z.string(),
  parameters: z.array(z.unknown()).optional(),
  requestBody: z.unknown().optional(),
});
const Document = z.object({
  info: z.object({ title: z.string().optional(), version: z.string().optional() }).optional(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
/** GitHub's description has no reference cycles at the levels read here; this only guards a bad file. */
const MAX_REF_HOPS = 32;

/**
 * Extracts the OpenAPI index from a parsed OpenAPI 3.0 description (GitHub's, from
 * `@octokit/openapi`), resolving `$ref`s as it goes; throws when the description is not shaped so.
 */
export function buildOpenApiIndex(description: unknown, source?: string): OpenApiIndex {
  const doc = Document.parse(description);
  const deref = (value: unknown): unknown => {
    for (let hops = 0; hops < MAX_REF_HOPS; hops++) {
      // Most values are not references, and a failed zod parse costs ~20 µs (it builds its issues):
      // thousands of them made indexing take seconds, so only objects with a `$ref` key are parsed.
      if (typeof value !== "object" || value === null || !("$ref" in value)) return value;
      const pointer = Ref.parse(value).$ref;
      if (!pointer.startsWith("#/")) throw new Error(`external $ref not supported: ${pointer}`);
      value = pointer
        .slice(2)
        .split("/")
        .map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], description);
      if (value === undefined) throw new Error(`unresolved $ref ${pointer}`);
    }
    throw new Error("$ref chain too long");
  };
  const schemaAt = (value: unknown): Schema => Schema.parse(deref(value) ?? {});

  const root: PathNode = { literal: new Map() };
  let operationCount = 0;
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = z.array(z.unknown()).optional().parse(item.parameters) ?? [];
    const operations = new Map<string, OperationRule>();
    const multiSegment = new Set<string>();
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const op = Operation.parse(raw);
      const rule: OperationRule = {
        id: op.operationId,
        method: method.toUpperCase(),
        template,
        pathParams: new Map(),
        query: new Map(),
      };
      for (const p of [...shared, ...(op.parameters ?? [])].map((p) => Parameter.parse(deref(p)))) {
        const param: ParamRule = {
          name: p.name,
          required: p.required ?? p.in === "path",
          value: valueRule(schemaAt(p.schema), schemaAt),
        };
        if (p.in === "path") rule.pathParams.set(p.name, param);
        if (p.in === "query") rule.query.set(p.name, param);
        if (p["x-multi-segment"]) multiSegment.add(p.name);
      }
      if (op.requestBody !== undefined) {
        const body = RequestBody.parse(deref(op.requestBody));
        const json = body.content["application/json"];
        rule.body = {
          required: body.required ?? false,
          mediaTypes: Object.keys(body.content),
          ...(json?.schema === undefined ? {} : { jsonForms: bodyForms(schemaAt(json.schema), schemaAt) }),
        };
      }
      operations.set(rule.method, rule);
      operationCount++;
    }
    insert(root, template, operations, multiSegment);
  }
  const title = source ?? `${doc.info?.title ?? "OpenAPI"} ${doc.info?.version ?? ""}`.trim();
  return { source: title, root, operationCount };
}

function insert(
  root: PathNode,
  template: string,
  operations: Map<string, OperationRule>,
  multi: Set<string>,
) {
  const paramNames: string[] = [];
  let node = root;
  for (const segment of splitPath(template)) {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      const next = node.literal.get(segment) ?? { literal: new Map() };
      node.literal.set(segment, next);
      node = next;
      continue;
    }
    paramNames.push(name);
    const slot = multi.has(name) ? "multi" : "param";
    node = node[slot] ??= { literal: new Map() };
  }
  const entry: PathEntry = node.entry ?? { template, paramNames, operations: new Map() };
  for (const [method, rule] of operations) entry.operations.set(method, rule);
  node.entry = entry;
}

/** `/a/{b}/c` → ["a", "{b}", "c"]; `/` → []. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\//, "");
  return trimmed === "" ? [] : trimmed.split("/");
}

function valueRule(schema: Schema, schemaAt: (v: unknown) => Schema): ValueRule {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const parts = alternatives.map((a) => valueRule(schemaAt(a), schemaAt));
    const anyType = parts.some((p) => p.types === undefined);
    return {
      ...(anyType ? {} : { types: [...new Set(parts.flatMap((p) => p.types ?? []))] }),
      nullable: schema.nullable === true || parts.some((p) => p.nullable),
    };
  }
  // `allOf` around a single `$ref` is how the description annotates a shared schema.
  const typed = schema.type === undefined ? schema.allOf?.map(schemaAt).find((s) => s.type) : schema;
  const listed = typed?.type === undefined ? undefined : [typed.type].flat();
  return {
    ...(listed ? { types: listed.filter((t) => t !== "null") } : {}),
    nullable: schema.nullable === true || (listed?.includes("null") ?? false),
    ...(schema.enum ? { enum: schema.enum } : {}),
  };
}

function bodyForms(schema: Schema, schemaAt: (v: unknown) => Schema): BodyForm[] {
  const base = mergeAllOf(schema, schemaAt);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (!alternatives) return [base];
  return alternatives.map((a) => {
    const alt = mergeAllOf(schemaAt(a), schemaAt);
    const properties = new Map([...base.properties, ...alt.properties]);
    return {
      ...((alt.type ?? base.type) ? { type: alt.type ?? base.type } : {}),
      properties,
      required: [...new Set([...base.required, ...alt.required])],
      closed: base.closed && alt.closed,
    };
  });
}

function mergeAllOf(schema: Schema, schemaAt: (v: unknown) => Schema): BodyForm {
  const parts = [schema, ...(schema.allOf ?? []).map(schemaAt)];
  const properties = new Map<string, ValueRule>();
  const required: string[] = [];
  let closed = true;
  let type: string | undefined;
  for (const part of parts) {
    for (const [name, value] of Object.entries(part.properties ?? {})) {
      properties.set(name, valueRule(schemaAt(value), schemaAt));
    }
    required.push(...(part.required ?? []));
    // OpenAPI admits unknown fields unless told otherwise; the check is stricter on purpose (a
    // misspelled field is silently ignored by GitHub), except where the schema opens the object.
    if (part.additionalProperties !== undefined && part.additionalProperties !== false) closed = false;
    const t = part.type === undefined ? undefined : [part.type].flat().find((x) => x !== "null");
    type ??= t;
  }
  return { ...(type ? { type } : {}), properties, required: [...new Set(required)], closed };
}
