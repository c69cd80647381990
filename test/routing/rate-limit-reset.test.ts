import { describe, expect, it } from 'vitest';
import { rateLimitResetMs } from '../../src/routing/rate-limit-reset.ts';

describe('rateLimitResetMs (OpenAI-style reset headers)', () => {
  it.each([
    [{ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-requests': '0' }, 1_000],
    [
      {
        'x-ratelimit-reset-requests': '2s',
        'x-ratelimit-remaining-requests': '3',
        'x-ratelimit-reset-tokens': '6m0s',
        'x-ratelimit-remaining-tokens': '0',
      },
      360_000,
    ],
    [{ 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-reset-tokens': '1.5s' }, 1_500],
    [{ 'x-ratelimit-reset-tokens': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(rateLimitResetMs(headers)).toBe(expected);
  });
});
