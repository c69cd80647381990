/**
 * When a 429 carries no retry-after, the provider's rate-limit reset headers say when the key may
 * send again. OpenAI (and the OpenAI-compatible servers that copy it: Groq, Together, DeepSeek's
 * gateway) send `x-ratelimit-reset-requests` / `-tokens` as Go durations (`1s`, `6m0s`;
 * docs/providers.md §1.10) next to `x-ratelimit-remaining-*`. The exhausted limit's reset is the one that
 * matters; if neither says 0 remaining, the later reset is the safe guess. Providers with other
 * headers (Anthropic's RFC 3339 resets) fold them into `retryAfterMs` in their own adapter.
 */
import { type HeaderBag, headerValue, parseDurationMs } from '../providers/shared/retry-after.ts';

export function rateLimitResetMs(headers: HeaderBag): number | undefined {
  const requests = duration(headers, 'x-ratelimit-reset-requests');
  const tokens = duration(headers, 'x-ratelimit-reset-tokens');
  if (requests !== undefined && headerValue(headers, 'x-ratelimit-remaining-requests')?.trim() === '0')
    return requests;
  if (tokens !== undefined && headerValue(headers, 'x-ratelimit-remaining-tokens')?.trim() === '0')
    return tokens;
  if (requests === undefined) return tokens;
  if (tokens === undefined) return requests;
  return Math.max(requests, tokens);
}

function duration(headers: HeaderBag, name: string): number | undefined {
  const value = headerValue(headers, name);
  return value === undefined ? undefined : parseDurationMs(value);
}
