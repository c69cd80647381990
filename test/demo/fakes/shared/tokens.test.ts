import { describe, expect, it } from 'vitest';
import {
  countTokens,
  estimatePromptTokens,
  splitTokens,
  truncateTokens,
} from '../../../../src/demo/fakes/shared/tokens.ts';

describe('stream tokens', () => {
  it('splits into word pieces that keep their leading space, like real streams', () => {
    expect(splitTokens('Hello world!')).toEqual(['Hello', ' world', '!']);
    expect(splitTokens('{"city":"Paris"}')).toEqual(['{"', 'city', '":"', 'Paris', '"}']);
  });

  it('splits long words and keeps trailing whitespace as its own piece', () => {
    expect(splitTokens('internationalization ok  ')).toEqual(['internatio', 'nalization', ' ok', '  ']);
  });

  it('always reassembles to the exact input, unicode and newlines included', () => {
    for (const text of [
      '',
      ' ',
      'a\n\nb',
      'naïve café — 😀 ok?',
      '**Bold** text\n- item 1\n- item 2',
      '\t x  y ',
    ]) {
      expect(splitTokens(text).join('')).toBe(text);
      expect(countTokens(text)).toBe(splitTokens(text).length);
    }
  });

  it('truncates to a number of tokens', () => {
    expect(truncateTokens('one two three four', 2)).toBe('one two');
    expect(truncateTokens('one two', 5)).toBe('one two');
    expect(truncateTokens('one two', 0)).toBe('');
  });

  it('estimates prompt tokens at four characters each', () => {
    expect(estimatePromptTokens(0)).toBe(0);
    expect(estimatePromptTokens(9)).toBe(3);
  });
});
