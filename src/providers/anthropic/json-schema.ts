/**
 * JSON Schemas for Anthropic's constrained decoding (structured outputs `output_config.format` and
 * `strict` tools). The grammar Claude decodes with supports a subset of JSON Schema: every object must
 * say `additionalProperties: false`, and numeric/length constraints are not enforced, so a schema that
 * uses them is a 400. OpenAI strict schemas already close their objects; non-strict ones often do not.
 *
 * `toAnthropicStrictSchema` returns a new schema (the input is the client's request and may be used
 * again for another target): objects are closed, `oneOf` becomes `anyOf`, and keywords the grammar
 * does not support move into `description` so the model still sees them as guidance, the way the
 * official SDK's `transformJSONSchema` helper treats them.
 */
import { setOwnProperty } from '../shared/own-property.ts';

type Schema = Record<string, unknown>;

/** String formats the structured-output grammar understands. */
const STRING_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);

/** Keywords copied as they are (after recursion where they hold schemas). */
const KEPT = new Set(['type', 'description', 'title', 'enum', 'const', 'required', '$ref', 'default']);

export function toAnthropicStrictSchema(schema: Readonly<Schema>): Schema {
  return transform(schema);
}

function transform(schema: Readonly<Schema>): Schema {
  const out: Schema = {};
  const leftovers: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'properties':
        out.properties = mapValues(value);
        break;
      case '$defs':
      case 'definitions':
        out[key] = mapValues(value);
        break;
      case 'items':
        out.items = isSchema(value) ? transform(value) : value;
        break;
      case 'anyOf':
      case 'oneOf':
        // Constrained decoding cannot check "exactly one"; anyOf is the closest it enforces.
        out.anyOf = Array.isArray(value) ? value.map((v) => (isSchema(v) ? transform(v) : v)) : value;
        break;
      case 'allOf':
        out.allOf = Array.isArray(value) ? value.map((v) => (isSchema(v) ? transform(v) : v)) : value;
        break;
      case 'additionalProperties':
        break; // set below for objects
      case 'format':
        if (typeof value === 'string' && STRING_FORMATS.has(value)) out.format = value;
        else leftovers.push([key, value]);
        break;
      case 'minItems':
        if (value === 0 || value === 1) out.minItems = value;
        else leftovers.push([key, value]);
        break;
      case '$schema':
        break; // names the dialect, constrains nothing
      default:
        if (KEPT.has(key)) out[key] = value;
        else leftovers.push([key, value]);
    }
  }
  if (isObjectSchema(schema)) {
    out.properties ??= {};
    out.additionalProperties = false;
  }
  if (leftovers.length > 0) {
    const note = `{${leftovers.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')}}`;
    out.description =
      typeof out.description === 'string' && out.description !== '' ? `${out.description}\n\n${note}` : note;
  }
  return out;
}

function isObjectSchema(schema: Readonly<Schema>): boolean {
  const type = schema.type;
  if (type === 'object') return true;
  if (Array.isArray(type)) return type.includes('object');
  return type === undefined && isSchema(schema.properties);
}

function mapValues(value: unknown): unknown {
  if (!isSchema(value)) return value;
  const out: Schema = {};
  // Property and definition names are the client's: any name, `__proto__` included, must survive.
  for (const [key, child] of Object.entries(value))
    setOwnProperty(out, key, isSchema(child) ? transform(child) : child);
  return out;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
