import { describe, expect, it } from 'vitest';
import { toAnthropicStrictSchema } from '../../../src/providers/anthropic/json-schema.ts';

describe('toAnthropicStrictSchema', () => {
  // Issue 10: a property named `__proto__` was dropped (the assignment set the prototype instead).
  it('keeps properties of any name, __proto__ included, and closes the object', () => {
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"object","properties":{"a":{"type":"string"}}},"constructor":{"type":"string"}},"required":["__proto__"]}',
    );
    expect(JSON.stringify(toAnthropicStrictSchema(schema))).toBe(
      '{"type":"object","properties":{"__proto__":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false},"constructor":{"type":"string"}},"required":["__proto__"],"additionalProperties":false}',
    );
  });
});
