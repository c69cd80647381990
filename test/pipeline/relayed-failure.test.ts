import { describe, expect, it } from 'vitest';
import {
  capText,
  RELAYED_FIELD_MAX_CHARS,
  RELAYED_MESSAGE_MAX_CHARS,
  relayableFailure,
} from '../../src/pipeline/relayed-failure.ts';
import { SecretScrubber } from '../../src/pipeline/secret-scrubber.ts';
import type { UpstreamFailure } from '../../src/providers/types.ts';

const KEY = 'sk-live-0123456789abcdef';

function failure(message: string, extra: Partial<UpstreamFailure> = {}): UpstreamFailure {
  return {
    errorClass: 'bad_request',
    status: 400,
    message,
    code: null,
    param: null,
    retryAfterMs: undefined,
    ...extra,
  };
}

describe('relayableFailure', () => {
  // Issue 10: a 5 MB upstream message became a 5 MB client body and log line.
  it('caps the message at 1,000 characters ending in an ellipsis, after scrubbing', () => {
    const long = `${'x'.repeat(995)}${KEY}${'y'.repeat(5_000)}`;
    const relayed = relayableFailure(failure(long), new SecretScrubber([KEY]));
    expect(relayed.message).toHaveLength(RELAYED_MESSAGE_MAX_CHARS);
    expect(relayed.message.endsWith('…')).toBe(true);
    // The key straddled the cut: scrubbed whole first, so not even its prefix survives.
    expect(relayed.message).toBe(`${'x'.repeat(995)}[red…`);
  });

  it('scrubs and caps code and param as well, and keeps short clean failures as they are', () => {
    const scrubber = new SecretScrubber([KEY]);
    const relayed = relayableFailure(
      failure('bad', { code: `code-${KEY}`, param: 'p'.repeat(500) }),
      scrubber,
    );
    expect(relayed.code).toBe('code-[redacted]');
    expect(relayed.param).toHaveLength(RELAYED_FIELD_MAX_CHARS);
    const clean = failure('fine', { code: 'invalid_request_error' });
    expect(relayableFailure(clean, scrubber)).toBe(clean);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = `${'a'.repeat(8)}😀😀`;
    expect(capText(text, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(capText(text, 11)).toBe(`${'a'.repeat(8)}😀…`);
  });
});
