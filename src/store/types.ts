/**
 * The one interface for what the gateway persists (docs/design.md §2 "Store"): virtual keys, tenants created
 * at runtime, the spend ledger, price overrides from the pricing webhook and alert state; the request log
 * and batches come next. Two implementations run one contract suite (test/store/store-contract.ts):
 * `sqlite.ts` (node:sqlite, the embedded default) and `postgres.ts` (pg, at scale).
 *
 * Nothing on the request path awaits a store call: keys are read into memory and refreshed in the
 * background (`keysChangedSince`), spend goes through the batching writer (writer.ts).
 */
import type { BatchStore } from './batch-types.ts';
import type { AttemptRollup, RequestFilter, RequestRollup, RequestRow } from './request-log.ts';

export interface VirtualKeyRecord {
  /** Public, stable id (`key_…`): what lists and revocation use. */
  id: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  keyHash: string;
  /** The last 4 characters of the key, so an operator can tell keys apart in a list. */
  keyHint: string;
  tenant: string;
  tier: string | null;
  /** A model allow-list narrower than the tenant's; null: the tenant's. */
  models: string[] | null;
  name: string | null;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; null while the key is live. */
  revokedAt: number | null;
}

/** A tenant created at runtime (admin API); config tenants are not stored. */
export interface TenantRecord {
  name: string;
  tier: string | null;
  /** The tenant's own settings, the config `tenants.<name>` shape (without `keys`), as JSON. */
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** Spend is ledgered per tenant and UTC hour, so day, month and burn-rate figures are sums over hours. */
export interface SpendEntry {
  tenant: string;
  /** Epoch ms of the start of the UTC hour. */
  hourStart: number;
  usd: number;
  requests: number;
}

export interface SpendRow extends SpendEntry {}

/** A price set by the pricing webhook; USD per 1M tokens. */
export interface PriceOverride {
  /** `model` or `provider/model`, as the webhook named it. */
  name: string;
  input: number;
  output: number;
  cachedInput: number | null;
  cacheWriteInput: number | null;
  cacheWrite1hInput: number | null;
  batchDiscount: number | null;
  /** Epoch ms. */
  updatedAt: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The Batch API's files, jobs, lines and provider batches (batch-types.ts); undefined: not on this store yet. */
  readonly batches: BatchStore | undefined;

  /** A cheap round trip, for /readyz; rejects when the store cannot be reached. */
  ping(): Promise<void>;

  insertKey(record: VirtualKeyRecord): Promise<void>;
  /** Newest first; revoked keys included (with `revokedAt`). */
  listKeys(filter: { tenant?: string }): Promise<VirtualKeyRecord[]>;
  getKey(id: string): Promise<VirtualKeyRecord | undefined>;
  /** Marks the key revoked; false when no such live key exists. */
  revokeKey(id: string, atMs: number): Promise<boolean>;
  /**
   * Keys created or revoked after `cursor` (0: every key), and the cursor to pass next time. The cursor
   * is a store-wide sequence, so every instance polling it sees every change exactly once.
   */
  keysChangedSince(cursor: number): Promise<{ cursor: number; keys: VirtualKeyRecord[] }>;
  /**
   * Calls `listener` as soon as any instance on this store changed keys or tenants, so they need not wait
   * for the next poll; returns the function that stops it. Absent: the store cannot announce (SQLite,
   * whose instances share one host and poll).
   */
  watchKeyChanges?(listener: () => void): () => void;

  upsertTenant(record: TenantRecord): Promise<void>;
  listTenants(): Promise<TenantRecord[]>;
  deleteTenant(name: string): Promise<boolean>;

  /** Adds each entry to its (tenant, hour) row, creating it; one transaction. */
  addSpend(entries: readonly SpendEntry[]): Promise<void>;
  /** Rows with `fromMs <= hourStart < toMs`, for one tenant or all. */
  spendByHour(filter: { tenant?: string; fromMs: number; toMs: number }): Promise<SpendRow[]>;

  upsertPrices(entries: readonly PriceOverride[]): Promise<void>;
  listPrices(): Promise<PriceOverride[]>;

  /**
   * Records that the alert `condition` fired in `period`; true only for the first caller, on every
   * instance (a unique row), so an alert fires once per condition and period.
   */
  claimAlert(condition: string, period: string, atMs: number): Promise<boolean>;

  /**
   * The request log (request-log.ts): appends the rows and adds them into the rollups, one transaction.
   * A store that cannot take the write lock at once rejects rather than waits (the writer retries the
   * batch later): a busy store must never stall the process.
   */
  insertRequests(rows: readonly RequestRow[]): Promise<void>;
  /** Newest first, at most `filter.limit`. */
  queryRequests(filter: RequestFilter): Promise<RequestRow[]>;
  /** Rollup rows of one granularity with `fromMs <= bucketStart < toMs`. */
  requestRollups(filter: {
    bucketMs: number;
    fromMs: number;
    toMs: number;
  }): Promise<{ requests: RequestRollup[]; attempts: AttemptRollup[] }>;
  /** Retention: deletes log rows older than `logBeforeMs` and rollups older than their granularity's cutoff. */
  pruneRequests(cutoffs: { logBeforeMs: number; rollupBeforeMs: Record<number, number> }): Promise<number>;

  close(): Promise<void>;
}
