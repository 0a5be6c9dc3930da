// JSON Schema (what tools declare) -> the OpenAPI 3.0 subset Gemini's `parameters` accepts.
// `parametersJsonSchema` would take JSON Schema as is, but only newer models and API versions
// know it; `parameters` works everywhere, so keywords it rejects ("Unknown name
// \"additionalProperties\"", `$schema`, `$ref`, `const`, type arrays) are converted or dropped.
import { isObject, type JsonObject } from './wireJson';

const KEPT = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
]);

/** Formats Gemini knows, by type; others are rejected, so they are dropped. */
const FORMATS: Readonly<Record<string, readonly string[]>> = {
  string: ['enum', 'date-time'],
  integer: ['int32', 'int64'],
  number: ['float', 'double'],
};

const MAX_REF_DEPTH = 8;

type Defs = Readonly<Record<string, unknown>>;

function resolveRef(ref: string, defs: Defs): unknown {
  const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  return m ? defs[decodeURIComponent(m[1] as string)] : undefined;
}

function convert(node: unknown, defs: Defs, depth: number): JsonObject {
  if (!isObject(node)) return {};
  let schema: JsonObject = node;
  if (typeof schema.$ref === 'string' && depth < MAX_REF_DEPTH) {
    const { $ref, ...rest } = schema;
    const target = resolveRef($ref as string, defs);
    schema = { ...(isObject(target) ? target : {}), ...rest };
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    schema = Object.assign({}, ...allOf.filter(isObject), rest) as JsonObject;
  }
  const out: JsonObject = {};
  const types = Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : typeof schema.type === 'string' ? [schema.type] : [];
  const nonNull = types.filter((t) => t !== 'null');
  if (types.includes('null')) out.nullable = true;
  if (nonNull.length === 1) out.type = nonNull[0];
  else if (nonNull.length > 1) out.anyOf = nonNull.map((t) => ({ type: t }));
  let anyOf = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (anyOf) {
    if (anyOf.some((s) => isObject(s) && s.type === 'null')) out.nullable = true;
    anyOf = anyOf.filter((s) => !(isObject(s) && s.type === 'null'));
    if (anyOf.length === 1) Object.assign(out, convert(anyOf[0], defs, depth + 1));
    else if (anyOf.length > 1) out.anyOf = anyOf.map((s) => convert(s, defs, depth + 1));
  }
  if (schema.const !== undefined && typeof schema.const === 'string') out.enum = [schema.const];
  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key) || key === 'type' || key === 'anyOf' || key in out) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, convert(s, defs, depth + 1)]));
    } else if (key === 'items') {
      out.items = convert(value, defs, depth + 1);
    } else if (key === 'enum') {
      // Gemini enums are lists of strings.
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out.enum = value;
    } else if (key === 'format') {
      if (typeof value === 'string' && FORMATS[String(out.type)]?.includes(value)) out.format = value;
    } else {
      out[key] = value;
    }
  }
  // Gemini enums belong to STRING schemas.
  if (out.enum !== undefined && out.type === undefined) out.type = 'string';
  if (Array.isArray(out.required) && isObject(out.properties)) {
    const names = new Set(Object.keys(out.properties));
    out.required = out.required.filter((r) => typeof r === 'string' && names.has(r));
  }
  return out;
}

/**
 * A tool's parameters for Gemini, or undefined for a tool without parameters (Gemini refuses an
 * OBJECT whose `properties` is empty: "should be non-empty for OBJECT type").
 */
export function geminiParameters(parameters: Readonly<Record<string, unknown>>): JsonObject | undefined {
  const defs: Defs = { ...(isObject(parameters.definitions) ? parameters.definitions : {}), ...(isObject(parameters.$defs) ? parameters.$defs : {}) };
  const schema = convert(parameters, defs, 0);
  if (!isObject(schema.properties) || Object.keys(schema.properties).length === 0) return undefined;
  return schema;
}
