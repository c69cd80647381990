import { describe, expect, it } from 'vitest';
import { TokenMemo } from '../../src/pricing/token-memo.ts';

describe('TokenMemo', () => {
  it('tokenizes a text once and answers repeats from memory', () => {
    const memo = new TokenMemo(1000, 100);
    let calls = 0;
    const tokenize = (text: string) => {
      calls++;
      return text.length;
    };
    expect(memo.count('hello', tokenize)).toBe(5);
    expect(memo.count('hello', tokenize)).toBe(5);
    expect(calls).toBe(1);
  });

  it('never holds more characters than its bound, nor texts over the per-text limit', () => {
    const memo = new TokenMemo(100, 30);
    for (let i = 0; i < 1000; i++) memo.count(`text number ${i}`, (text) => text.length);
    expect(memo.size).toBeLessThanOrEqual(100 / 'text number 0'.length + 1);
    memo.count('x'.repeat(31), () => 1);
    let calls = 0;
    memo.count('x'.repeat(31), () => ++calls);
    expect(calls).toBe(1);
  });
});
