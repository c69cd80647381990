import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/server/content-disposition.ts';

describe('attachmentDisposition', () => {
  it('writes a plain ASCII name as it is', () => {
    expect(attachmentDisposition('input.jsonl')).toBe('attachment; filename="input.jsonl"');
  });

  it('gives any other name an ASCII fallback and the exact name percent-encoded, always a valid header', () => {
    expect(attachmentDisposition("données (1)'.jsonl")).toBe(
      `attachment; filename="donn_es (1)'.jsonl"; filename*=UTF-8''donn%C3%A9es%20%281%29%27.jsonl`,
    );
    for (const name of [
      '批处理.jsonl',
      'a😀.jsonl',
      'a\u0001b',
      'q"uo\\te.jsonl',
      'line\r\nbreak',
      '100%.jsonl',
    ]) {
      const value = attachmentDisposition(name);
      expect(() => validateHeaderValue('content-disposition', value)).not.toThrow();
      const encoded = /filename\*=UTF-8''(.*)$/.exec(value)?.[1] ?? '';
      expect(decodeURIComponent(encoded)).toBe(name);
    }
  });
});
