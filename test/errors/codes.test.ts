import { describe, expect, it } from 'vitest';
import {
  MAX_RELAYED_RETRY_AFTER_MS,
  upstreamClientError,
  upstreamRateLimited,
  upstreamUnavailable,
} from '../../src/errors/codes.ts';

describe('upstream errors relayed to the client', () => {
  // Issue 10: an upstream's retry-after of hours reached the client as it was.
  it('caps a relayed retry-after at 60 s and keeps shorter ones', () => {
    expect(MAX_RELAYED_RETRY_AFTER_MS).toBe(60_000);
    expect(upstreamRateLimited('slow down', 86_400_000).retryAfterMs).toBe(60_000);
    expect(upstreamUnavailable('down', 7_200_000).retryAfterMs).toBe(60_000);
    expect(upstreamRateLimited('slow down', 2_500).retryAfterMs).toBe(2_500);
    expect(upstreamUnavailable('down').retryAfterMs).toBeUndefined();
  });

  it('answers an upstream 403 as a permission error and a 401 as an authentication error', () => {
    expect(upstreamClientError(403, 'no access', null, null).type).toBe('permission_error');
    expect(upstreamClientError(401, 'who?', null, null).type).toBe('authentication_error');
  });
});
