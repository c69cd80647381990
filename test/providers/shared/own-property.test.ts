import { describe, expect, it } from 'vitest';
import { ownValue, setOwnProperty } from '../../../src/providers/shared/own-property.ts';

describe('setOwnProperty and ownValue', () => {
  it('writes __proto__ as an own enumerable property and leaves the prototype alone', () => {
    const out: Record<string, unknown> = {};
    setOwnProperty(out, '__proto__', { polluted: true });
    setOwnProperty(out, 'plain', 1);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"plain":1}');
  });

  it('reads only a table’s own keys', () => {
    const table: Record<string, number> = { a: 1 };
    expect(ownValue(table, 'a')).toBe(1);
    expect(ownValue(table, 'constructor')).toBeUndefined();
    expect(ownValue(table, '__proto__')).toBeUndefined();
  });
});
