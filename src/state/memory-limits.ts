/**
 * The limits and budgets half of MemoryState (src/state/types.ts `admit` … `claimOnce`), synchronous.
 * The same decisions as src/state/lua/admit.lua and settle.lua; test/state/state-contract.ts holds both
 * to one set of cases.
 *
 * Expired leases and reservations are dropped lazily: each group remembers its earliest expiry and is
 * only scanned once that moment has passed, so an admission costs O(1) unless something really expired.
 */
import type { AdmissionResult, AdmissionSpec, BudgetView, Settlement, WindowView } from '../limits/types.ts';
import { drainMs, fits, remaining, waitMs, windowIndex } from './sliding-window.ts';

/** Budget counters outlive their period by this much (late settlements, the admin view of last month). */
export const BUDGET_RETENTION_MS = 7 * 24 * 3_600_000;
/** retry-after for a concurrency refusal: leases end when requests do, which no window predicts. */
export const CONCURRENT_RETRY_MS = 1_000;

/** Two fixed windows: the count of window `index` and of the one before it. */
interface Window {
  index: number;
  current: number;
  previous: number;
}

/** Entries (leases or reservations) by request id, each with its expiry. */
interface Expiring<T> {
  entries: Map<string, { value: T; expiresAt: number }>;
  /** No entry expires before this; may be earlier than the real minimum (then one scan corrects it). */
  nextExpiry: number;
}

interface Budget {
  spent: number | undefined;
  reserved: number;
  reservations: Expiring<number>;
  keepUntil: number;
}

function newExpiring<T>(): Expiring<T> {
  return { entries: new Map(), nextExpiry: Number.POSITIVE_INFINITY };
}

/** Drops expired entries (calling `dropped` for each) once the earliest expiry has passed. */
function dropExpired<T>(group: Expiring<T>, nowMs: number, dropped?: (value: T) => void): void {
  if (nowMs < group.nextExpiry) return;
  let next = Number.POSITIVE_INFINITY;
  for (const [id, entry] of group.entries) {
    if (entry.expiresAt <= nowMs) {
      group.entries.delete(id);
      dropped?.(entry.value);
    } else if (entry.expiresAt < next) {
      next = entry.expiresAt;
    }
  }
  group.nextExpiry = next;
}

function put<T>(group: Expiring<T>, id: string, value: T, expiresAt: number): void {
  group.entries.set(id, { value, expiresAt });
  if (expiresAt < group.nextExpiry) group.nextExpiry = expiresAt;
}

/** Rolls a window forward to `nowMs`: the current count becomes the previous one, or both drop. */
function roll(window: Window, nowMs: number): Window {
  const index = windowIndex(nowMs);
  if (index === window.index) return window;
  window.previous = index === window.index + 1 ? window.current : 0;
  window.current = 0;
  window.index = index;
  return window;
}

export class MemoryLimits {
  #requests = new Map<string, Window>();
  #tokens = new Map<string, Window>();
  #leases = new Map<string, Expiring<true>>();
  #budgets = new Map<string, Budget>();
  #claims = new Map<string, number>();

  admit(scope: string, spec: AdmissionSpec, nowMs: number): AdmissionResult {
    const leases = spec.concurrent === undefined ? undefined : this.#leaseGroup(scope);
    if (leases !== undefined) dropExpired(leases, nowMs);
    const requests = spec.rpm === undefined ? undefined : this.#window(this.#requests, scope, nowMs);
    const tokens = spec.tpm === undefined ? undefined : this.#window(this.#tokens, scope, nowMs);
    const budget = spec.budget === undefined ? undefined : this.#budget(scope, spec.budget.periodKey, nowMs);
    if (budget !== undefined && spec.budget !== undefined) {
      budget.keepUntil = Math.max(budget.keepUntil, spec.budget.periodEndMs + BUDGET_RETENTION_MS);
    }

    let refusal: AdmissionResult['refusal'];
    let retryAfterMs = 0;
    // Whole tokens and nano-dollars, as Redis counts them.
    const cost = Math.ceil(spec.estimatedTokens);
    const reserve = Math.round(spec.budget?.reserveNanoUsd ?? 0);
    if (leases !== undefined && leases.entries.size >= (spec.concurrent as number)) {
      refusal = 'concurrent';
      retryAfterMs = CONCURRENT_RETRY_MS;
    } else if (
      requests !== undefined &&
      !fits(requests.previous, requests.current, nowMs, spec.rpm as number, 1)
    ) {
      refusal = 'rpm';
      retryAfterMs = waitMs(requests.previous, requests.current, nowMs, spec.rpm as number, 1);
    } else if (
      tokens !== undefined &&
      !fits(tokens.previous, tokens.current, nowMs, spec.tpm as number, cost)
    ) {
      refusal = 'tpm';
      retryAfterMs = waitMs(tokens.previous, tokens.current, nowMs, spec.tpm as number, cost);
    } else if (
      budget !== undefined &&
      spec.budget?.hard === true &&
      (budget.spent ?? 0) + budget.reserved + reserve > spec.budget.limitNanoUsd
    ) {
      refusal = 'budget';
      retryAfterMs = Math.max(0, spec.budget.periodEndMs - nowMs);
    }

    if (refusal === undefined) {
      const expiresAt = nowMs + spec.leaseMs;
      if (leases !== undefined) put(leases, spec.requestId, true, expiresAt);
      if (requests !== undefined) requests.current += 1;
      if (tokens !== undefined) tokens.current += cost;
      if (budget !== undefined && reserve > 0) {
        const earlier = budget.reservations.entries.get(spec.requestId);
        if (earlier !== undefined) budget.reserved -= earlier.value;
        put(budget.reservations, spec.requestId, reserve, expiresAt);
        budget.reserved += reserve;
      }
    }

    return {
      allowed: refusal === undefined,
      refusal,
      retryAfterMs,
      requests: requests === undefined ? undefined : requestsView(requests, nowMs, spec.rpm as number),
      tokens: tokens === undefined ? undefined : tokensView(tokens, nowMs, spec.tpm as number),
      budget:
        budget === undefined
          ? undefined
          : { spentNanoUsd: budget.spent ?? 0, reservedNanoUsd: budget.reserved },
    };
  }

  settle(scope: string, settlement: Settlement, nowMs: number): void {
    if (settlement.releaseConcurrent) this.#leases.get(scope)?.entries.delete(settlement.requestId);
    if (settlement.tokens !== undefined) {
      // In the current window (the one the request was admitted in, unless it ran across a minute
      // boundary): the correction never takes the window below zero.
      const window = this.#window(this.#tokens, scope, nowMs);
      const delta = Math.ceil(settlement.tokens.actual) - Math.ceil(settlement.tokens.estimated);
      window.current = Math.max(0, window.current + delta);
    }
    if (settlement.budget !== undefined) {
      const budget = this.#budget(scope, settlement.budget.periodKey, nowMs);
      budget.keepUntil = Math.max(budget.keepUntil, settlement.budget.periodEndMs + BUDGET_RETENTION_MS);
      const reservation = budget.reservations.entries.get(settlement.requestId);
      if (reservation !== undefined) {
        budget.reservations.entries.delete(settlement.requestId);
        budget.reserved -= reservation.value;
      }
      budget.spent = (budget.spent ?? 0) + Math.round(settlement.budget.actualNanoUsd);
    }
  }

  budgetView(scope: string, periodKey: string, nowMs: number): BudgetView {
    const budget = this.#budgets.get(`${scope}\u0000${periodKey}`);
    if (budget === undefined) return { spentNanoUsd: 0, reservedNanoUsd: 0 };
    dropExpired(budget.reservations, nowMs, (amount) => {
      budget.reserved -= amount;
    });
    return { spentNanoUsd: budget.spent ?? 0, reservedNanoUsd: budget.reserved };
  }

  seedSpend(scope: string, periodKey: string, periodEndMs: number, spentNanoUsd: number): void {
    const key = `${scope}\u0000${periodKey}`;
    let budget = this.#budgets.get(key);
    if (budget === undefined) {
      budget = { spent: undefined, reserved: 0, reservations: newExpiring(), keepUntil: 0 };
      this.#budgets.set(key, budget);
    }
    budget.keepUntil = Math.max(budget.keepUntil, periodEndMs + BUDGET_RETENTION_MS);
    budget.spent ??= Math.round(spentNanoUsd);
  }

  claimOnce(key: string, ttlMs: number, nowMs: number): boolean {
    const until = this.#claims.get(key);
    if (until !== undefined && until > nowMs) return false;
    this.#claims.set(key, nowMs + ttlMs);
    return true;
  }

  /** Drops what nobody will read again: old windows, idle lease groups, past budgets, spent claims. */
  sweep(nowMs: number): void {
    const index = windowIndex(nowMs);
    for (const windows of [this.#requests, this.#tokens])
      for (const [key, window] of windows) if (window.index < index - 1) windows.delete(key);
    for (const [scope, leases] of this.#leases) {
      dropExpired(leases, nowMs);
      if (leases.entries.size === 0) this.#leases.delete(scope);
    }
    for (const [key, budget] of this.#budgets) if (budget.keepUntil <= nowMs) this.#budgets.delete(key);
    for (const [key, until] of this.#claims) if (until <= nowMs) this.#claims.delete(key);
  }

  clear(): void {
    this.#requests.clear();
    this.#tokens.clear();
    this.#leases.clear();
    this.#budgets.clear();
    this.#claims.clear();
  }

  #window(windows: Map<string, Window>, scope: string, nowMs: number): Window {
    const window = windows.get(scope);
    if (window !== undefined) return roll(window, nowMs);
    const fresh = { index: windowIndex(nowMs), current: 0, previous: 0 };
    windows.set(scope, fresh);
    return fresh;
  }

  #leaseGroup(scope: string): Expiring<true> {
    let leases = this.#leases.get(scope);
    if (leases === undefined) {
      leases = newExpiring();
      this.#leases.set(scope, leases);
    }
    return leases;
  }

  #budget(scope: string, periodKey: string, nowMs: number): Budget {
    const key = `${scope}\u0000${periodKey}`;
    let budget = this.#budgets.get(key);
    if (budget === undefined) {
      budget = { spent: undefined, reserved: 0, reservations: newExpiring(), keepUntil: 0 };
      this.#budgets.set(key, budget);
    }
    dropExpired(budget.reservations, nowMs, (amount) => {
      budget.reserved -= amount;
    });
    return budget;
  }
}

function requestsView(window: Window, nowMs: number, limit: number): WindowView {
  return {
    limit,
    remaining: remaining(window.previous, window.current, nowMs, limit),
    resetMs: waitMs(window.previous, window.current, nowMs, limit, 1),
  };
}

function tokensView(window: Window, nowMs: number, limit: number): WindowView {
  return {
    limit,
    remaining: remaining(window.previous, window.current, nowMs, limit),
    resetMs: drainMs(window.previous, window.current, nowMs),
  };
}
