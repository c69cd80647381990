/**
 * Anthropic-style rate limits for the fake (docs/providers.md §2.10): per model, token buckets for
 * requests, input tokens and output tokens, each refilling continuously over a minute.
 *
 *   const limiter = new AnthropicRateLimiter({ requestsPerMinute: 2 }, clock);
 *   limiter.take(model, inputTokens, maxTokens) → { ok: true, headers } | { ok: false, error }
 *   limiter.settle(model, maxTokens, outputTokens)    refunds the unused output estimate
 *
 * As on the real API, cache reads do not count against input tokens, and output tokens are
 * estimated from `max_tokens` when the request starts and corrected when it ends. Headers:
 * `anthropic-ratelimit-{requests,input-tokens,output-tokens,tokens}-{limit,remaining,reset}`, the
 * reset an RFC 3339 instant at which the bucket is full again (`tokens-*` is the more exhausted of
 * input and output). A 429 is `rate_limit_error` with `retry-after` in whole seconds. Defaults are a
 * tier-4 organization's, so only a test that lowers them sees a 429.
 */
import { type AnthropicErrorResponse, anthropicError } from './errors.ts';

export interface AnthropicRateLimits {
  requestsPerMinute: number;
  inputTokensPerMinute: number;
  outputTokensPerMinute: number;
}

export const DEFAULT_ANTHROPIC_RATE_LIMITS: AnthropicRateLimits = {
  requestsPerMinute: 4_000,
  inputTokensPerMinute: 2_000_000,
  outputTokensPerMinute: 400_000,
};

export type RateLimitResult =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; error: AnthropicErrorResponse };

const MINUTE_MS = 60_000;

interface Bucket {
  limit: number;
  level: number;
  at: number;
}

interface Buckets {
  requests: Bucket;
  input: Bucket;
  output: Bucket;
}

const DIMENSIONS = [
  ['requests', 'requests', 'requests'],
  ['input', 'input-tokens', 'input tokens'],
  ['output', 'output-tokens', 'output tokens'],
] as const;

export class AnthropicRateLimiter {
  #limits: AnthropicRateLimits;
  #clock: () => number;
  #buckets = new Map<string, Buckets>();

  constructor(limits: Partial<AnthropicRateLimits> = {}, clock: () => number = Date.now) {
    this.#limits = { ...DEFAULT_ANTHROPIC_RATE_LIMITS, ...limits };
    this.#clock = clock;
  }

  take(model: string, inputTokens: number, maxTokens: number): RateLimitResult {
    const now = this.#clock();
    const buckets = this.#for(model, now);
    const wanted = { requests: 1, input: inputTokens, output: maxTokens };
    for (const [key, , unit] of DIMENSIONS) {
      const bucket = buckets[key];
      if (bucket.level < wanted[key]) {
        const waitMs = Math.ceil(((wanted[key] - bucket.level) / bucket.limit) * MINUTE_MS);
        const message = `This request would exceed your organization's rate limit of ${bucket.limit} ${unit} per minute (model: ${model}). For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.`;
        const headers = {
          ...this.#headers(buckets, now),
          'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
        };
        return { ok: false, error: anthropicError(429, 'rate_limit_error', message, headers) };
      }
    }
    buckets.requests.level -= 1;
    buckets.input.level -= inputTokens;
    buckets.output.level -= maxTokens;
    return { ok: true, headers: this.#headers(buckets, now) };
  }

  /** The answer is done: give back the part of the max_tokens estimate it did not use. */
  settle(model: string, maxTokens: number, outputTokens: number): void {
    const buckets = this.#for(model, this.#clock());
    buckets.output.level = Math.min(
      buckets.output.limit,
      buckets.output.level + Math.max(0, maxTokens - outputTokens),
    );
  }

  #for(model: string, now: number): Buckets {
    let buckets = this.#buckets.get(model);
    if (buckets === undefined) {
      const bucket = (limit: number): Bucket => ({ limit, level: limit, at: now });
      buckets = {
        requests: bucket(this.#limits.requestsPerMinute),
        input: bucket(this.#limits.inputTokensPerMinute),
        output: bucket(this.#limits.outputTokensPerMinute),
      };
      this.#buckets.set(model, buckets);
    }
    for (const bucket of [buckets.requests, buckets.input, buckets.output]) {
      bucket.level = Math.min(
        bucket.limit,
        bucket.level + (Math.max(0, now - bucket.at) / MINUTE_MS) * bucket.limit,
      );
      bucket.at = now;
    }
    return buckets;
  }

  #headers(buckets: Buckets, now: number): Record<string, string> {
    const headers: Record<string, string> = {};
    const put = (name: string, bucket: Bucket): void => {
      headers[`anthropic-ratelimit-${name}-limit`] = String(bucket.limit);
      headers[`anthropic-ratelimit-${name}-remaining`] = String(Math.max(0, Math.floor(bucket.level)));
      headers[`anthropic-ratelimit-${name}-reset`] = resetAt(bucket, now);
    };
    for (const [key, name] of DIMENSIONS) put(name, buckets[key]);
    // "tokens-*": the most restrictive of the token limits at this moment.
    const tighter =
      buckets.input.level / buckets.input.limit <= buckets.output.level / buckets.output.limit
        ? buckets.input
        : buckets.output;
    put('tokens', tighter);
    return headers;
  }
}

/** RFC 3339, second precision, as the API sends it ("2025-08-21T12:40:59Z"). */
function resetAt(bucket: Bucket, now: number): string {
  const fullInMs = ((bucket.limit - Math.max(0, bucket.level)) / bucket.limit) * MINUTE_MS;
  return `${new Date(Math.ceil((now + fullInMs) / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
