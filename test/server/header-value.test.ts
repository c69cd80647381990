/**
 * Upstream text in response headers (issue 10, item 7: a model name with CR/LF or past Latin-1 made
 * writeHead throw after the response counted as committed).
 */
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHeaderValue } from '../../src/server/header-value.ts';

describe('toHeaderValue', () => {
  it('keeps printable ASCII as it is', () => {
    expect(toHeaderValue('gpt-4.1-2025-04-14')).toBe('gpt-4.1-2025-04-14');
    expect(toHeaderValue('models/gemini 2.5 pro')).toBe('models/gemini 2.5 pro');
  });

  it('percent-encodes CR, LF and non-Latin-1 so the value can be decoded back', () => {
    expect(toHeaderValue('gpt-€\r\nx')).toBe('gpt-%E2%82%AC%0D%0Ax');
    expect(decodeURIComponent(toHeaderValue('qwen 3 – 東京%'))).toBe('qwen 3 – 東京%');
  });

  it('gives a value Node accepts for any string, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (value) => {
        const encoded = toHeaderValue(value);
        expect(() => validateHeaderValue('x-switchyard-model', encoded)).not.toThrow();
        if (encoded !== value) expect(decodeURIComponent(encoded)).toBe(Buffer.from(value).toString());
      }),
      { numRuns: 2000 },
    );
  });
});
