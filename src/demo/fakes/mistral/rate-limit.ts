/**
 * Mistral's per-minute limits as the fake enforces them, with the headers third-party code reads
 * (docs/providers.md §4.4, §8 — not in Mistral's docs): `x-ratelimit-limit-req-minute`,
 * `x-ratelimit-remaining-req-minute`, `x-ratelimit-limit-tokens-minute`,
 * `x-ratelimit-remaining-tokens-minute` (and the monthly token pair). Windows are fixed minutes on
 * the fake's clock; an exhausted one answers 429 `rate_limited` with `retry-after` = seconds to the
 * window's end.
 */
import { type MistralErrorResponse, mistralError } from './errors.ts';

export interface MistralRateLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  tokensPerMonth: number;
}

export const DEFAULT_MISTRAL_LIMITS: MistralRateLimits = {
  requestsPerMinute: 300,
  tokensPerMinute: 2_000_000,
  tokensPerMonth: 10_000_000_000,
};

export class MistralRateLimiter {
  #limits: MistralRateLimits;
  #clock: () => number;
  #windowStart = Number.NaN;
  #requests = 0;
  #tokens = 0;
  #monthTokens = 0;

  constructor(limits: Partial<MistralRateLimits> | undefined, clock: () => number) {
    this.#limits = { ...DEFAULT_MISTRAL_LIMITS, ...limits };
    this.#clock = clock;
  }

  take(
    tokens: number,
  ): { ok: true; headers: Record<string, string> } | { ok: false; error: MistralErrorResponse } {
    const now = this.#clock();
    const window = Math.floor(now / 60_000) * 60_000;
    if (window !== this.#windowStart) {
      this.#windowStart = window;
      this.#requests = 0;
      this.#tokens = 0;
    }
    const limits = this.#limits;
    if (this.#requests + 1 > limits.requestsPerMinute || this.#tokens + tokens > limits.tokensPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((window + 60_000 - now) / 1000));
      return {
        ok: false,
        error: mistralError(429, 'Requests rate limit exceeded', {
          type: 'rate_limited',
          code: '1300',
          headers: { ...this.#headers(), 'retry-after': String(retryAfter) },
        }),
      };
    }
    this.#requests++;
    this.#tokens += tokens;
    this.#monthTokens += tokens;
    return { ok: true, headers: this.#headers() };
  }

  #headers(): Record<string, string> {
    const limits = this.#limits;
    return {
      'x-ratelimit-limit-req-minute': String(limits.requestsPerMinute),
      'x-ratelimit-remaining-req-minute': String(Math.max(0, limits.requestsPerMinute - this.#requests)),
      'x-ratelimit-limit-tokens-minute': String(limits.tokensPerMinute),
      'x-ratelimit-remaining-tokens-minute': String(Math.max(0, limits.tokensPerMinute - this.#tokens)),
      'x-ratelimit-limit-tokens-month': String(limits.tokensPerMonth),
      'x-ratelimit-remaining-tokens-month': String(Math.max(0, limits.tokensPerMonth - this.#monthTokens)),
    };
  }
}
