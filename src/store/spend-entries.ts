/**
 * What both stores and the writer agree a spend entry is: a tenant, the start of a UTC hour, a finite
 * non-negative amount and a whole number of requests. Checked before anything is written, because one
 * NaN summed into a ledger row poisons every total read from it afterwards.
 */
import type { SpendEntry } from './types.ts';

export const HOUR_MS = 3_600_000;

/** The start of the UTC hour holding `atMs` (UTC hours are whole multiples of an hour since the epoch). */
export function utcHourStart(atMs: number): number {
  return atMs - (((atMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/** Why `entry` cannot be ledgered, or undefined when it can. */
export function spendEntryProblem(entry: SpendEntry): string | undefined {
  if (typeof entry.tenant !== 'string' || entry.tenant === '') return 'tenant must be a non-empty string';
  if (!Number.isSafeInteger(entry.hourStart) || entry.hourStart % HOUR_MS !== 0)
    return `hourStart must be the epoch ms of a UTC hour start, got ${entry.hourStart}`;
  if (!Number.isFinite(entry.usd) || entry.usd < 0)
    return `usd must be a finite number >= 0, got ${entry.usd}`;
  if (!Number.isSafeInteger(entry.requests) || entry.requests < 0)
    return `requests must be a whole number >= 0, got ${entry.requests}`;
  return undefined;
}

export function assertSpendEntries(entries: readonly SpendEntry[]): void {
  for (const entry of entries) {
    const problem = spendEntryProblem(entry);
    if (problem !== undefined) throw new TypeError(`Invalid spend entry for '${entry.tenant}': ${problem}`);
  }
}

/** The coalescing key: entries with the same key add into one ledger row. */
export function spendKey(entry: SpendEntry): string {
  return `${entry.hourStart}\u0000${entry.tenant}`;
}

/**
 * One entry per (tenant, hour), sums of the inputs, in key order. PostgreSQL refuses an upsert that
 * touches one row twice in a statement, and a fixed order means two instances writing overlapping
 * batches lock rows in the same order (no deadlock).
 */
export function coalesceSpend(entries: readonly SpendEntry[]): SpendEntry[] {
  const byKey = new Map<string, SpendEntry>();
  for (const entry of entries) {
    const key = spendKey(entry);
    const seen = byKey.get(key);
    if (seen === undefined)
      byKey.set(key, {
        tenant: entry.tenant,
        hourStart: entry.hourStart,
        usd: entry.usd,
        requests: entry.requests,
      });
    else {
      seen.usd += entry.usd;
      seen.requests += entry.requests;
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.hourStart - b.hourStart || (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0),
  );
}
