/**
 * Per-minute request quota per API key and model, as Gemini's free tier enforces it
 * (GenerateRequestsPerMinutePerProjectPerModel). Gemini sends no rate-limit headers; a request over
 * the quota gets 429 RESOURCE_EXHAUSTED whose RetryInfo says when the minute window ends
 * (docs/providers.md §3.7, §8). Windows follow the injected clock.
 */
import { type GoogleErrorResponse, quotaExceeded } from './errors.ts';

const WINDOW_MS = 60_000;

export class RequestQuota {
  #perMinute: number | undefined;
  #clock: () => number;
  #windows = new Map<string, { start: number; count: number }>();

  constructor(perMinute: number | undefined, clock: () => number) {
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  take(key: string, model: string): GoogleErrorResponse | undefined {
    const limit = this.#perMinute;
    if (limit === undefined) return undefined;
    const now = this.#clock();
    const start = now - (now % WINDOW_MS);
    const id = `${key}\u0000${model}`;
    let window = this.#windows.get(id);
    if (window === undefined || window.start !== start) {
      window = { start, count: 0 };
      this.#windows.set(id, window);
    }
    if (window.count >= limit) return quotaExceeded(model, (start + WINDOW_MS - now) / 1000);
    window.count++;
    return undefined;
  }
}
