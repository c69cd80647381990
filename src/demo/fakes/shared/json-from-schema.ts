/**
 * exampleFromSchema(schema, hint?): a deterministic value that validates against a JSON schema,
 * used for fake tool-call arguments and structured outputs (json_schema response_format).
 *
 * Covers what function-calling and structured-output schemas use in practice: type (also as a
 * list, e.g. ["string","null"]), properties/required (every property is filled, since OpenAI's
 * strict mode requires all of them), items/minItems/maxItems, enum, const, anyOf/oneOf/allOf
 * (first branch / merged), local $ref (#/$defs/…, #/definitions/…), minimum/maximum,
 * exclusiveMinimum/Maximum, minLength/maxLength and the common string formats. Anything else
 * falls back to a string. `hint` (usually the user's last message) feeds free-text fields such as
 * `query`, so a demo's tool call looks related to what was asked.
 */

import { ownValue, setOwnProperty } from '../../../providers/shared/own-property.ts';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

// Values for property names that show up in almost every tool demo; anything else gets a
// readable placeholder built from the name.
const NAMED_STRINGS: Record<string, string> = {
  city: 'Paris',
  location: 'Paris, France',
  country: 'France',
  unit: 'celsius',
  units: 'metric',
  language: 'en',
  lang: 'en',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  title: 'Example title',
  url: 'https://example.com',
  date: '2026-01-15',
  timezone: 'Europe/Paris',
  currency: 'EUR',
};

const FREE_TEXT_NAMES = new Set(['query', 'q', 'question', 'text', 'prompt', 'search', 'input', 'message']);

export function exampleFromSchema(schema: unknown, hint = ''): unknown {
  const root = isSchema(schema) ? schema : {};
  return build(root, root, '', hint, 0);
}

function build(schema: Schema, root: Schema, name: string, hint: string, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  const resolved = resolveRef(schema, root);
  if ('const' in resolved) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = resolved[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const branch = branches.find((b) => isSchema(b) && b.type !== 'null') ?? branches[0];
      return build(isSchema(branch) ? branch : {}, root, name, hint, depth + 1);
    }
  }
  if (Array.isArray(resolved.allOf)) {
    const merged: Schema = {};
    for (const part of resolved.allOf) if (isSchema(part)) mergeInto(merged, resolveRef(part, root));
    return build(merged, root, name, hint, depth + 1);
  }
  switch (pickType(resolved)) {
    case 'object':
      return buildObject(resolved, root, hint, depth);
    case 'array':
      return buildArray(resolved, root, name, hint, depth);
    case 'integer':
      return buildNumber(resolved, true);
    case 'number':
      return buildNumber(resolved, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return buildString(resolved, name, hint);
  }
}

function buildObject(schema: Schema, root: Schema, hint: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = isSchema(schema.properties) ? schema.properties : {};
  // Property names are the client's: `__proto__` or `constructor` are names like any other (issue 10).
  for (const [key, child] of Object.entries(properties)) {
    setOwnProperty(out, key, build(isSchema(child) ? child : {}, root, key, hint, depth + 1));
  }
  // A required name without a property schema still has to be present.
  if (Array.isArray(schema.required)) {
    for (const key of schema.required) {
      if (typeof key === 'string' && !Object.hasOwn(out, key))
        setOwnProperty(out, key, buildString({}, key, hint));
    }
  }
  return out;
}

function buildArray(schema: Schema, root: Schema, name: string, hint: string, depth: number): unknown[] {
  const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 1);
  const count = Math.min(Math.max(min, 1), max);
  const items = isSchema(schema.items) ? schema.items : {};
  const singular = name.endsWith('s') ? name.slice(0, -1) : name;
  return Array.from({ length: count }, () => build(items, root, singular, hint, depth + 1));
}

function buildNumber(schema: Schema, integer: boolean): number {
  let low = typeof schema.minimum === 'number' ? schema.minimum : Number.NEGATIVE_INFINITY;
  let high = typeof schema.maximum === 'number' ? schema.maximum : Number.POSITIVE_INFINITY;
  const step = integer ? 1 : 0.5;
  if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + step);
  if (typeof schema.exclusiveMaximum === 'number') high = Math.min(high, schema.exclusiveMaximum - step);
  let value = 42;
  if (value < low) value = low;
  if (value > high) value = high;
  return integer ? Math.ceil(value) : value;
}

function buildString(schema: Schema, name: string, hint: string): string {
  const formatted = formatExample(schema.format);
  let value = formatted ?? ownValue(NAMED_STRINGS, name.toLowerCase());
  if (value === undefined && FREE_TEXT_NAMES.has(name.toLowerCase()) && hint.trim() !== '') {
    value = hint.trim().slice(0, 80);
  }
  value ??= name === '' ? 'example' : `example ${name.replaceAll('_', ' ')}`;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (value.length < minLength) value = value.padEnd(minLength, 'x');
  return value.slice(0, maxLength);
}

function formatExample(format: unknown): string | undefined {
  switch (format) {
    case 'date-time':
      return '2026-01-15T09:30:00Z';
    case 'date':
      return '2026-01-15';
    case 'time':
      return '09:30:00';
    case 'email':
      return 'ada@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com';
    case 'uuid':
      return '123e4567-e89b-42d3-a456-426614174000';
    case 'ipv4':
      return '192.0.2.1';
    default:
      return undefined;
  }
}

function pickType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? type[0];
  if (isSchema(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let current = schema;
  // Follow ref chains a few steps; a cycle ends as an empty schema (a string).
  for (let hops = 0; hops < MAX_DEPTH && typeof current.$ref === 'string'; hops++) {
    const path = current.$ref.startsWith('#/') ? current.$ref.slice(2).split('/') : [];
    let target: unknown = path.length > 0 ? root : undefined;
    for (const segment of path)
      target = isSchema(target) ? ownValue(target, segment.replaceAll('~1', '/')) : undefined;
    current = isSchema(target) ? target : {};
  }
  return current;
}

function mergeInto(target: Schema, part: Schema): void {
  for (const [key, value] of Object.entries(part)) {
    if (key === 'properties' && isSchema(value)) {
      // Spreads copy `__proto__` as an own property, as JSON.parse made it.
      target.properties = { ...(isSchema(target.properties) ? target.properties : {}), ...value };
    } else if (key === 'required' && Array.isArray(value)) {
      target.required = [...(Array.isArray(target.required) ? target.required : []), ...value];
    } else {
      setOwnProperty(target, key, value);
    }
  }
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
