/**
 * The sliding-window arithmetic behind RPM and TPM (src/state/lua/admit.lua is the same in Lua; keep the
 * two in step: test/state/state-contract.ts runs the same cases on both stores).
 *
 * Two fixed one-minute windows approximate a sliding minute: the count of the current window plus the
 * previous window's count weighted by the part of it still inside the sliding minute. Everything is
 * computed in units of count × ms (scaled by WINDOW_MS) so the memory store and Lua get exactly the same
 * integers, with no rounding that could let one instance admit what another refuses.
 */

export const WINDOW_MS = 60_000;

/** The fixed window `nowMs` falls in. */
export function windowIndex(nowMs: number): number {
  return Math.floor(nowMs / WINDOW_MS);
}

/** The sliding count at `nowMs`, times WINDOW_MS (an integer for integer counts). */
export function scaledLoad(previous: number, current: number, nowMs: number): number {
  const elapsed = nowMs - windowIndex(nowMs) * WINDOW_MS;
  return previous * (WINDOW_MS - elapsed) + current * WINDOW_MS;
}

/**
 * Whether `cost` more fits under `limit`. A cost above the whole limit is checked as the limit itself:
 * such a request fits only into an empty window, instead of never (a large `max_tokens` must not lock a
 * tenant out for good). A limit of 0 (or less) admits nothing.
 */
export function fits(previous: number, current: number, nowMs: number, limit: number, cost: number): boolean {
  if (limit <= 0) return false;
  return scaledLoad(previous, current, nowMs) + Math.min(cost, limit) * WINDOW_MS <= limit * WINDOW_MS;
}

/** What waitMs answers when waiting cannot help (a limit of 0): the longest wait any window has. */
export const NEVER_FITS_WAIT_MS = 2 * WINDOW_MS;

/** What is left under `limit`, whole units, never negative. */
export function remaining(previous: number, current: number, nowMs: number, limit: number): number {
  return Math.max(0, Math.floor((limit * WINDOW_MS - scaledLoad(previous, current, nowMs)) / WINDOW_MS));
}

/**
 * Ms from `nowMs` until `cost` more fits, if nothing else is admitted meanwhile: the previous window's
 * weight shrinks as it slides out, and when the current one alone is too full, the wait runs into the
 * next window (where the current count becomes the previous one). 0 when it fits now.
 */
export function waitMs(
  previous: number,
  current: number,
  nowMs: number,
  limit: number,
  cost: number,
): number {
  if (limit <= 0) return NEVER_FITS_WAIT_MS;
  const need = Math.min(cost, limit);
  const elapsed = nowMs - windowIndex(nowMs) * WINDOW_MS;
  const left = WINDOW_MS - elapsed;
  if (current + need <= limit) {
    if (previous === 0) return 0;
    // previous * (left - d) <= (limit - need - current) * WINDOW_MS
    return Math.max(0, Math.ceil((previous * left - (limit - need - current) * WINDOW_MS) / previous));
  }
  // Next window: current * (WINDOW_MS - e) <= (limit - need) * WINDOW_MS, with current > 0 here.
  return left + Math.max(0, Math.ceil((current * WINDOW_MS - (limit - need) * WINDOW_MS) / current));
}

/** Ms until the sliding count is back to zero (the x-ratelimit-reset-tokens figure). */
export function drainMs(previous: number, current: number, nowMs: number): number {
  const left = WINDOW_MS - (nowMs - windowIndex(nowMs) * WINDOW_MS);
  if (current > 0) return left + WINDOW_MS;
  return previous > 0 ? left : 0;
}
