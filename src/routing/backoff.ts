/**
 * Retry delays: exponential, capped, with "equal jitter" (half the delay fixed, half random; the AWS
 * architecture blog's comparison of jitter strategies). Full jitter spreads retries best but can draw
 * a delay near zero, which is a tight loop against a struggling upstream; equal jitter keeps at least
 * half of the exponential delay. Pure: the random source is passed in (docs/style.md §1.5).
 */
export interface BackoffPolicy {
  /** The delay before the first retry, before jitter. */
  baseMs: number;
  /** No delay exceeds this, before jitter. */
  maxMs: number;
}

/** The delay before retry number `retry` (1 for the first retry). */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(retry - 1, 30)));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}
