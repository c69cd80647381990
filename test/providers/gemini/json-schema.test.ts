import { describe, expect, it } from 'vitest';
import { toGeminiJsonSchema } from '../../../src/providers/gemini/json-schema.ts';

describe('toGeminiJsonSchema', () => {
  it('passes plain schemas through unchanged, unsupported keywords included (Gemini ignores them)', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, pattern: '^[A-Z]' },
        tags: { type: 'array', items: { type: ['string', 'null'] }, maxItems: 3 },
        choice: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['name'],
      additionalProperties: false,
    };
    expect(toGeminiJsonSchema(schema)).toEqual(schema);
  });

  it('drops $schema', () => {
    expect(
      toGeminiJsonSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }),
    ).toEqual({ type: 'object' });
  });

  it('renames definitions to $defs and rewrites references, at any depth', () => {
    expect(
      toGeminiJsonSchema({
        type: 'object',
        properties: {
          a: { $ref: '#/definitions/A' },
          list: { type: 'array', items: { $ref: '#/definitions/A' } },
        },
        definitions: { A: { type: 'object', properties: { next: { $ref: '#/definitions/A' } } } },
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { $ref: '#/$defs/A' }, list: { type: 'array', items: { $ref: '#/$defs/A' } } },
      $defs: { A: { type: 'object', properties: { next: { $ref: '#/$defs/A' } } } },
    });
  });

  it('merges definitions and $defs, $defs winning a clash, in either order', () => {
    const expected = { $defs: { A: { type: 'string' }, B: { type: 'integer' } } };
    expect(
      toGeminiJsonSchema({
        definitions: { A: { type: 'number' }, B: { type: 'integer' } },
        $defs: { A: { type: 'string' } },
      }),
    ).toEqual(expected);
    expect(
      toGeminiJsonSchema({
        $defs: { A: { type: 'string' } },
        definitions: { A: { type: 'number' }, B: { type: 'integer' } },
      }),
    ).toEqual(expected);
  });

  it('keeps only $-keys beside $ref, as Gemini requires', () => {
    expect(
      toGeminiJsonSchema({ properties: { a: { $ref: '#/$defs/A', description: 'an A', $comment: 'kept' } } }),
    ).toEqual({
      properties: { a: { $ref: '#/$defs/A', $comment: 'kept' } },
    });
  });

  it('turns a string or number const into a one-value enum', () => {
    expect(
      toGeminiJsonSchema({ properties: { kind: { const: 'circle' }, n: { const: 3 }, b: { const: true } } }),
    ).toEqual({
      properties: { kind: { enum: ['circle'] }, n: { enum: [3] }, b: { const: true } },
    });
  });

  it('recurses through anyOf, oneOf, allOf, prefixItems, additionalProperties and not', () => {
    const out = toGeminiJsonSchema({
      anyOf: [{ const: 'a' }],
      oneOf: [{ const: 'b' }],
      allOf: [{ const: 'c' }],
      prefixItems: [{ const: 'd' }],
      additionalProperties: { const: 'e' },
      not: { const: 'f' },
    });
    expect(out).toEqual({
      anyOf: [{ enum: ['a'] }],
      oneOf: [{ enum: ['b'] }],
      allOf: [{ enum: ['c'] }],
      prefixItems: [{ enum: ['d'] }],
      additionalProperties: { enum: ['e'] },
      not: { enum: ['f'] },
    });
  });

  it('does not touch its input and shares no objects with it', () => {
    const input = {
      type: 'object',
      properties: { a: { const: 'x' } },
      definitions: { B: { type: 'string' } },
    };
    const copy = structuredClone(input);
    const out = toGeminiJsonSchema(input);
    expect(input).toEqual(copy);
    expect((out.properties as Record<string, unknown>).a).not.toBe(input.properties.a);
  });

  it('leaves property names that look like keywords alone', () => {
    expect(
      toGeminiJsonSchema({ properties: { const: { type: 'string' }, $ref: { type: 'string' } } }),
    ).toEqual({
      properties: { const: { type: 'string' }, $ref: { type: 'string' } },
    });
  });

  // Issue 10: a property named `__proto__` was dropped (the assignment set the prototype instead).
  it('keeps properties and definitions of any name, __proto__ included', () => {
    const text =
      '{"type":"object","properties":{"__proto__":{"type":"string","const":"x"},"constructor":{"$ref":"#/definitions/__proto__"}},"definitions":{"__proto__":{"type":"integer"}}}';
    const converted = toGeminiJsonSchema(JSON.parse(text));
    expect(JSON.stringify(converted)).toBe(
      '{"type":"object","properties":{"__proto__":{"type":"string","enum":["x"]},"constructor":{"$ref":"#/$defs/__proto__"}},"$defs":{"__proto__":{"type":"integer"}}}',
    );
  });
});
