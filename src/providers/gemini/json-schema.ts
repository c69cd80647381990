/**
 * OpenAI tool parameters and `json_schema` response formats to the JSON Schema Gemini reads.
 *
 * We send plain JSON Schema (`parametersJsonSchema`, `responseJsonSchema`; docs/providers.md §3.2–3.3)
 * rather than the older OpenAPI-subset `Schema`, which rejects `additionalProperties`, type arrays and
 * `$ref` with 400 "Unknown name". Gemini documents the keywords it honours: `$id`, `$defs`, `$ref`,
 * `$anchor`, `type`, `format`, `title`, `description`, `enum` (strings and numbers), `items`,
 * `prefixItems`, `minItems`, `maxItems`, `minimum`, `maximum`, `anyOf`, `oneOf` (read as `anyOf`),
 * `properties`, `additionalProperties`, `required` and its own `propertyOrdering`. Other keywords
 * (`pattern`, `minLength`, `maxLength`, `allOf`, `not`, `if`/`then`/`else`, `default`, …) are
 * accepted and not enforced, so they pass through untouched. Three rewrites keep a constraint that
 * Gemini would otherwise lose or refuse:
 * - `definitions` (draft-07, what many generators emit) becomes `$defs`, and `#/definitions/…`
 *   references follow, since Gemini resolves only `$defs`;
 * - a sub-schema with `$ref` keeps only its `$`-prefixed keys: Gemini allows nothing else beside
 *   `$ref` (a `description` next to it is the usual offender);
 * - `const` with a string or number becomes a one-value `enum`, which Gemini does enforce.
 * `$schema` is dropped: it names a dialect, not a constraint.
 * The input is never modified; the result shares no objects with it.
 */

import { setOwnProperty } from '../shared/own-property.ts';

type Schema = Record<string, unknown>;

/** Keywords whose value is a schema. */
const SCHEMA_KEYS = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains']);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY_KEYS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);

export function toGeminiJsonSchema(schema: Readonly<Record<string, unknown>>): Schema {
  return convert(schema) as Schema;
}

function convert(node: unknown): unknown {
  if (!isSchema(node)) return node;
  if (typeof node.$ref === 'string') {
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') out.$ref = rewriteRef(value as string);
      else if (key.startsWith('$') && key !== '$schema')
        out[key] = key === '$defs' ? convertMap(value) : value;
    }
    return out;
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (SCHEMA_KEYS.has(key)) out[key] = convert(value);
    else if (SCHEMA_ARRAY_KEYS.has(key)) out[key] = Array.isArray(value) ? value.map(convert) : value;
    else if (SCHEMA_MAP_KEYS.has(key)) {
      const target = key === 'definitions' ? '$defs' : key;
      const converted = convertMap(value);
      const existing = out[target];
      // Both spellings present: merge them, `$defs` winning on a name clash.
      if (target === '$defs' && isSchema(existing) && isSchema(converted)) {
        out.$defs = key === '$defs' ? { ...existing, ...converted } : { ...converted, ...existing };
      } else out[target] = converted;
    } else setOwnProperty(out, key, value);
  }
  if (
    'const' in out &&
    !('enum' in out) &&
    (typeof out.const === 'string' || typeof out.const === 'number')
  ) {
    out.enum = [out.const];
    delete out.const;
  }
  return out;
}

function convertMap(value: unknown): unknown {
  if (!isSchema(value)) return value;
  const out: Schema = {};
  // Property and definition names are the client's: any name, `__proto__` included, must survive.
  for (const [name, child] of Object.entries(value)) setOwnProperty(out, name, convert(child));
  return out;
}

function rewriteRef(ref: string): string {
  return ref.startsWith('#/definitions/') ? `#/$defs/${ref.slice('#/definitions/'.length)}` : ref;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
