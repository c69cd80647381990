/**
 * OpenAI-style rate limits for the fake: a requests bucket and a tokens bucket per model, each
 * refilling continuously over a minute, with the x-ratelimit-* headers of docs/providers.md §1.10.
 *
 *   const limiter = new RateLimiter({ requestsPerMinute: 3, tokensPerMinute: 1000 }, clock);
 *   limiter.take(model, tokens) → { ok: true, headers } | { ok: false, error (429 envelope + headers) }
 *
 * A rejected request consumes nothing. The 429 carries retry-after (whole seconds, rounded up),
 * retry-after-ms, the message format the API uses ("Rate limit reached for … on requests per min
 * (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. …"), type requests|tokens and
 * code rate_limit_exceeded. Defaults are a tier-5 account's, so only a test that lowers them sees a 429.
 */
import { openAIError, type OpenAIErrorResponse } from './errors.ts';

export interface OpenAIRateLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: OpenAIRateLimits = {
  requestsPerMinute: 10_000,
  tokensPerMinute: 30_000_000,
};

export type RateLimitResult =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; error: OpenAIErrorResponse };

const MINUTE_MS = 60_000;

interface Bucket {
  level: number;
  at: number;
}

export class RateLimiter {
  #limits: OpenAIRateLimits;
  #clock: () => number;
  #buckets = new Map<string, { requests: Bucket; tokens: Bucket }>();

  constructor(limits: Partial<OpenAIRateLimits> = {}, clock: () => number = Date.now) {
    this.#limits = { ...DEFAULT_RATE_LIMITS, ...limits };
    this.#clock = clock;
  }

  take(model: string, tokens: number): RateLimitResult {
    const now = this.#clock();
    let pair = this.#buckets.get(model);
    if (pair === undefined) {
      pair = {
        requests: { level: this.#limits.requestsPerMinute, at: now },
        tokens: { level: this.#limits.tokensPerMinute, at: now },
      };
      this.#buckets.set(model, pair);
    }
    const rpm = this.#limits.requestsPerMinute;
    const tpm = this.#limits.tokensPerMinute;
    refill(pair.requests, rpm, now);
    refill(pair.tokens, tpm, now);

    if (pair.requests.level < 1) return { ok: false, error: this.#exceeded(model, 'requests', pair, 1) };
    if (pair.tokens.level < tokens)
      return { ok: false, error: this.#exceeded(model, 'tokens', pair, tokens) };
    pair.requests.level -= 1;
    pair.tokens.level -= tokens;
    return { ok: true, headers: this.#headers(pair) };
  }

  #headers(pair: { requests: Bucket; tokens: Bucket }): Record<string, string> {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.#limits;
    return {
      'x-ratelimit-limit-requests': String(rpm),
      'x-ratelimit-limit-tokens': String(tpm),
      'x-ratelimit-remaining-requests': String(Math.max(0, Math.floor(pair.requests.level))),
      'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(pair.tokens.level))),
      'x-ratelimit-reset-requests': goDuration(((rpm - pair.requests.level) / rpm) * MINUTE_MS),
      'x-ratelimit-reset-tokens': goDuration(((tpm - pair.tokens.level) / tpm) * MINUTE_MS),
    };
  }

  #exceeded(
    model: string,
    dimension: 'requests' | 'tokens',
    pair: { requests: Bucket; tokens: Bucket },
    requested: number,
  ): OpenAIErrorResponse {
    const limit = dimension === 'requests' ? this.#limits.requestsPerMinute : this.#limits.tokensPerMinute;
    const bucket = pair[dimension];
    const waitMs = Math.max(1, Math.ceil(((requested - bucket.level) / limit) * MINUTE_MS));
    const used = Math.ceil(limit - bucket.level);
    const unit = dimension === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
    const message = `Rate limit reached for ${model} in organization org-switchyardfake on ${unit}: Limit ${limit}, Used ${used}, Requested ${requested}. Please try again in ${goDuration(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
    return openAIError(429, message, {
      type: dimension,
      code: 'rate_limit_exceeded',
      headers: {
        ...this.#headers(pair),
        'retry-after': String(Math.ceil(waitMs / 1000)),
        'retry-after-ms': String(waitMs),
      },
    });
  }
}

function refill(bucket: Bucket, perMinute: number, now: number): void {
  const elapsed = Math.max(0, now - bucket.at);
  bucket.level = Math.min(perMinute, bucket.level + (elapsed / MINUTE_MS) * perMinute);
  bucket.at = now;
}

/** OpenAI's reset format, Go's time.Duration text: "12ms", "1s", "51.189s", "6m0s". */
export function goDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  if (rounded < 1000) return `${rounded}ms`;
  const minutes = Math.floor(rounded / MINUTE_MS);
  const seconds = (rounded % MINUTE_MS) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${secondsText}` : secondsText;
}
