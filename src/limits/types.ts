/**
 * What the limits and budget stages ask the state store (src/state/types.ts `admit` / `settle`): one
 * atomic decision per request over requests per minute, tokens per minute, concurrent requests and the
 * budget reservation, so N instances on one Redis behave as one (one Lua round trip on the hot path).
 *
 * Money in the state store is integer nano-dollars (1e-9 USD): Redis adds integers exactly, and 2^53
 * nano-dollars is nine million dollars, more than any one period's budget.
 */

export const NANO_USD_PER_USD = 1_000_000_000;

export interface BudgetSpec {
  /** `d2026-12-07` or `m2026-12`: the UTC period the budget counts in. */
  periodKey: string;
  /** The period's end, epoch ms; the counters expire some days after it. */
  periodEndMs: number;
  limitNanoUsd: number;
  /** hard: refuse when the reservation does not fit; soft: admit, only count (alerts). */
  hard: boolean;
  /** This request's pre-flight estimate; 0 when its price is unknown. */
  reserveNanoUsd: number;
}

export interface AdmissionSpec {
  /** Unique per request: names its concurrency lease and budget reservation. */
  requestId: string;
  rpm: number | undefined;
  tpm: number | undefined;
  concurrent: number | undefined;
  /** Prompt estimate plus the largest output the request allows. */
  estimatedTokens: number;
  budget: BudgetSpec | undefined;
  /**
   * How long a lease and a reservation live if never settled (a crashed instance): the request deadline
   * plus a margin. Expired ones stop counting.
   */
  leaseMs: number;
}

/**
 * `unavailable`: the shared state did not answer and limits fail closed (src/state/fallback-state.ts,
 * mode `closed`); the gateway answers 503, not 429.
 */
export type RefusalReason = 'rpm' | 'tpm' | 'concurrent' | 'budget' | 'unavailable';

export interface WindowView {
  limit: number;
  remaining: number;
  /** Until the window has room for one more (requests) or is fully reset (tokens), ms. */
  resetMs: number;
}

export interface AdmissionResult {
  allowed: boolean;
  refusal: RefusalReason | undefined;
  /** When refused: how long until a retry can succeed, ms (for a budget: until the period's end). */
  retryAfterMs: number;
  /** For the x-ratelimit-*-requests headers; undefined without an rpm limit. */
  requests: WindowView | undefined;
  /** For the x-ratelimit-*-tokens headers; undefined without a tpm limit. */
  tokens: WindowView | undefined;
  /** Spent and reserved in the period after this admission; undefined without a budget. */
  budget: { spentNanoUsd: number; reservedNanoUsd: number } | undefined;
}

export interface Settlement {
  requestId: string;
  /** Release the concurrency lease taken at admission. */
  releaseConcurrent: boolean;
  /** Replace the token estimate with the real count in the current TPM window. */
  tokens: { estimated: number; actual: number } | undefined;
  /** Drop the reservation and add the real cost (0 on a failure that cost nothing). */
  budget: { periodKey: string; periodEndMs: number; actualNanoUsd: number } | undefined;
}

export interface BudgetView {
  spentNanoUsd: number;
  reservedNanoUsd: number;
}
