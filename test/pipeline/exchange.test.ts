import { describe, expect, it } from 'vitest';
import type { CompiledTarget } from '../../src/config/compile.ts';
import { classifyHttpFailure } from '../../src/pipeline/exchange.ts';
import { getAdapter } from '../../src/providers/registry.ts';
import type { UpstreamHead } from '../../src/transport/upstream-exchange.ts';

const target = { provider: { adapter: getAdapter('openai') } } as unknown as CompiledTarget;
const rateLimited =
  '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}';

function response(status: number, headers: Record<string, string>): UpstreamHead {
  return { statusCode: status, headers };
}

describe('classifyHttpFailure', () => {
  it('measures an HTTP-date retry-after against our clock when the response has no date header', () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const failure = classifyHttpFailure(target, response(429, { 'retry-after': at }), rateLimited);
    expect(failure.errorClass).toBe('rate_limited');
    // toUTCString drops the milliseconds, so the wait is 4–5 s.
    expect(failure.retryAfterMs).toBeGreaterThan(3_900);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('keeps the adapter’s reading when the provider said how long, in seconds', () => {
    const failure = classifyHttpFailure(target, response(429, { 'retry-after': '7' }), rateLimited);
    expect(failure.retryAfterMs).toBe(7_000);
  });

  it('falls back to the reset headers for a 429 with no retry-after', () => {
    const failure = classifyHttpFailure(
      target,
      response(429, { 'x-ratelimit-reset-requests': '1.5s', 'x-ratelimit-remaining-requests': '0' }),
      rateLimited,
    );
    expect(failure.retryAfterMs).toBe(1_500);
  });

  it('gives a 500 without retry-after no wait', () => {
    const failure = classifyHttpFailure(target, response(500, {}), '{"error":{"message":"boom"}}');
    expect(failure.errorClass).toBe('server');
    expect(failure.retryAfterMs).toBeUndefined();
  });
});
