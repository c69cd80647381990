/**
 * The two store methods the alerts use, in memory: `claimAlert` (first caller wins, as the store's
 * unique row does) and `spendByHour` (the ledger's range query). Shared by two senders, it stands for
 * one database behind two gateway instances.
 */
import type { SpendEntry, SpendRow, Store } from '../../src/store/types.ts';

export class InMemoryLedger implements Pick<Store, 'claimAlert' | 'spendByHour'> {
  readonly claims = new Map<string, number>();
  readonly rows: SpendRow[] = [];
  /** spendByHour calls, with their filters. */
  readonly queries: Array<{ tenant?: string; fromMs: number; toMs: number }> = [];
  /** When set, claimAlert rejects with it (a store that cannot be reached). */
  claimError: Error | undefined;

  async claimAlert(condition: string, period: string, atMs: number): Promise<boolean> {
    if (this.claimError !== undefined) throw this.claimError;
    const key = `${condition}|${period}`;
    if (this.claims.has(key)) return false;
    this.claims.set(key, atMs);
    return true;
  }

  async spendByHour(filter: { tenant?: string; fromMs: number; toMs: number }): Promise<SpendRow[]> {
    this.queries.push({ ...filter });
    return this.rows
      .filter(
        (row) =>
          (filter.tenant === undefined || row.tenant === filter.tenant) &&
          row.hourStart >= filter.fromMs &&
          row.hourStart < filter.toMs,
      )
      .map((row) => ({ ...row }));
  }

  /** Adds spend to its (tenant, hour) row, as the store's addSpend does. */
  add(entry: SpendEntry): void {
    const row = this.rows.find((r) => r.tenant === entry.tenant && r.hourStart === entry.hourStart);
    if (row === undefined) this.rows.push({ ...entry });
    else {
      row.usd += entry.usd;
      row.requests += entry.requests;
    }
  }
}
