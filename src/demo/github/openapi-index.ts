/**
 * What the conformance check keeps from GitHub's OpenAPI description: per path template and method,
 * the parameters and the top level of the JSON request body. Built once from the 13 MB description
 * (see buildOpenApiIndex), after which the description itself can be dropped.
 */

/** The part of a schema checked on a single value: its JSON types, whether null is allowed, its enum. */
export type ValueRule = {
  /** JSON types the value may have ("integer" also admits whole numbers); undefined means any. */
  types?: string[];
  nullable: boolean;
  enum?: unknown[];
};

export type ParamRule = { name: string; required: boolean; value: ValueRule };

/** One documented form of a JSON request body (an operation with `oneOf` has several). */
export type BodyForm = {
  /** The body's own JSON type when the schema says; "object" forms have their fields checked. */
  type?: string;
  properties: Map<string, ValueRule>;
  required: string[];
  /** False when the schema admits fields beyond `properties` (`additionalProperties`). */
  closed: boolean;
};

export type OperationRule = {
  /** GitHub's operationId, e.g. `issues/create-comment`: names the endpoint in problem reports. */
  id: string;
  method: string;
  template: string;
  pathParams: Map<string, ParamRule>;
  query: Map<string, ParamRule>;
  body?: { required: boolean; mediaTypes: string[]; jsonForms?: BodyForm[] };
};

/** A documented path template: its parameter names in order, and its operations by upper-case method. */
export type PathEntry = { template: string; paramNames: string[]; operations: Map<string, OperationRule> };

/**
 * A segment trie over the path templates. `param` is a `{name}` segment; `multi` is one marked
 * `x-multi-segment` (a branch, ref or file path), which may span several segments.
 */
export type PathNode = {
  literal: Map<string, PathNode>;
  param?: PathNode;
  multi?: PathNode;
  entry?: PathEntry;
};

export type OpenApiIndex = {
  /** Which description this is, e.g. `api.github.com 1.1.4`, for messages. */
  source: string;
  root: PathNode;
  operationCount: number;
};
