import { describe, expect, it } from 'vitest';
import { exampleFromSchema } from '../../../../src/demo/fakes/shared/json-from-schema.ts';

describe('exampleFromSchema', () => {
  it('fills every property of nested objects with values of the right type', () => {
    const value = exampleFromSchema({
      type: 'object',
      properties: {
        city: { type: 'string' },
        count: { type: 'integer', minimum: 50 },
        ratio: { type: 'number', maximum: 1 },
        ok: { type: 'boolean' },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        nested: { type: 'object', properties: { when: { type: 'string', format: 'date-time' } } },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        maybe: { type: ['null', 'string'] },
      },
      required: ['city', 'extra'],
    });
    expect(value).toEqual({
      city: 'Paris',
      count: 50,
      ratio: 1,
      ok: true,
      mode: 'fast',
      nested: { when: '2026-01-15T09:30:00Z' },
      tags: ['example tag', 'example tag'],
      maybe: 'example maybe',
      extra: 'example extra',
    });
  });

  it('follows local $refs, anyOf and allOf', () => {
    const value = exampleFromSchema({
      $defs: { Point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } } },
      type: 'object',
      properties: {
        at: { $ref: '#/$defs/Point' },
        either: { anyOf: [{ type: 'null' }, { type: 'integer', exclusiveMaximum: 10 }] },
        both: { allOf: [{ properties: { a: { const: 1 } } }, { properties: { b: { type: 'boolean' } } }] },
      },
    });
    expect(value).toEqual({ at: { x: 42, y: 42 }, either: 9, both: { a: 1, b: true } });
  });

  it('uses the hint for free-text fields and survives recursive schemas', () => {
    expect(
      exampleFromSchema({ type: 'object', properties: { query: { type: 'string' } } }, 'cheap flights'),
    ).toEqual({
      query: 'cheap flights',
    });
    const recursive = { $ref: '#' };
    expect(() => exampleFromSchema(recursive)).not.toThrow();
  });

  // Issue 10: `__proto__` set the result's prototype instead of a property, and a name such as
  // `constructor` read Object's own members out of the name table.
  it('fills properties named __proto__, constructor and toString like any other', () => {
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"object","properties":{"a":{"type":"integer"}}},"constructor":{"type":"string"},"toString":{"type":"string"}},"required":["hasOwnProperty"]}',
    );
    const value = exampleFromSchema(schema) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(JSON.stringify(value)).toBe(
      '{"__proto__":{"a":42},"constructor":"example constructor","toString":"example toString","hasOwnProperty":"example hasOwnProperty"}',
    );
  });
});
