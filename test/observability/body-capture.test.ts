/** Stored bodies: credentials scrubbed whatever their owner, cut at a byte bound between characters. */
import { describe, expect, it } from 'vitest';
import { scrubCredentials, truncateUtf8 } from '../../src/observability/body-capture.ts';

describe('scrubCredentials', () => {
  it('redacts credential shapes a user may paste into a prompt, and nothing else', () => {
    const text = [
      'my key is sk-proj-abcdefghijklmnop1234 ok',
      'aws AKIAABCDEFGHIJKLMNOP here',
      'Authorization: Bearer abcdefghijklmnopqrstuvwxyz',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----',
      'an ordinary sentence about a sk-ill and tokens',
    ].join('\n');
    expect(scrubCredentials(text)).toBe(
      [
        'my key is [redacted] ok',
        'aws [redacted] here',
        'Authorization: Bearer [redacted]',
        'jwt [redacted]',
        '[redacted]',
        'an ordinary sentence about a sk-ill and tokens',
      ].join('\n'),
    );
  });
});

describe('truncateUtf8', () => {
  it('keeps short text whole and cuts long text between characters, saying how much went', () => {
    expect(truncateUtf8('hello', 5)).toBe('hello');
    expect(truncateUtf8('hello world', 5)).toBe('hello…[truncated 6 bytes]');
    // "é" is two bytes: a cut at byte 2 would split it, so it backs up to byte 1.
    expect(truncateUtf8('aé b', 2)).toBe('a…[truncated 4 bytes]');
  });
});
