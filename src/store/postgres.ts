/**
 * The store at scale (`store: postgres://…`): a `pg` Pool shared by every instance's background work.
 * Nothing on the request path awaits it (see types.ts). Schema migrations run at open, in one
 * transaction under an advisory lock, so instances starting together migrate once and the others wait
 * and find the work done.
 */
import type { ClientConfig, Pool, PoolClient, PoolConfig, QueryConfig } from 'pg';
import { postgresMigrations } from './migrations/postgres.ts';
import { PostgresBatchStore } from './postgres-batches.ts';
import { loadPg } from './pg-module.ts';
import { announceKeyChange, listenForKeyChanges } from './postgres-key-notices.ts';
import { type Migration, pendingMigrations } from './migrations/types.ts';
import {
  ATTEMPT_ROLLUP_SUMS,
  type AttemptRollup,
  attemptRollupValues,
  REQUEST_COLUMNS,
  REQUEST_ROLLUP_SUMS,
  requestColumnValues,
  type RequestFilter,
  type RequestRollup,
  type RequestRow,
  requestRollupValues,
  rollupsOf,
  toAttemptRollup,
  toRequestRollup,
  toRequestRow,
} from './request-log.ts';
import { assertSpendEntries, coalesceSpend } from './spend-entries.ts';
import type { PriceOverride, SpendEntry, SpendRow, Store, TenantRecord, VirtualKeyRecord } from './types.ts';

export interface PostgresStoreOptions {
  /** Extra pool settings (tests set `options: '-c search_path=…'`); they override the defaults below. */
  pool?: PoolConfig;
  /** The schema to reach; default every migration in migrations/postgres.ts. */
  migrations?: readonly Migration[];
  /**
   * An idle pooled connection failed (server restart, network cut). The pool drops it and opens a new
   * one on the next query, so this is for the log only. Default: ignored.
   */
  onConnectionError?: (error: Error) => void;
}

/** Advisory lock ids (database-wide; any fixed bigint works as long as nothing else in the database uses it). */
const MIGRATION_LOCK = 0x5357_0001; // "SW" 1
const KEY_CHANGE_LOCK = 0x5357_0002; // "SW" 2

const MIGRATION_TIMEOUT_MS = 600_000;

type Row = Record<string, unknown>;

const KEY_COLUMNS = 'id, key_hash, key_hint, tenant, tier, models, name, created_at, revoked_at, seq';

/** bigint columns arrive as strings (pg keeps int8 exact); epoch ms and sequence values fit a double. */
function toNumberOrNull(value: unknown): number | null {
  return value === null ? null : Number(value);
}

function toKey(row: Row): VirtualKeyRecord {
  return {
    id: row.id as string,
    keyHash: row.key_hash as string,
    keyHint: row.key_hint as string,
    tenant: row.tenant as string,
    tier: row.tier as string | null,
    models: row.models as string[] | null,
    name: row.name as string | null,
    createdAt: Number(row.created_at),
    revokedAt: toNumberOrNull(row.revoked_at),
  };
}

function toTenant(row: Row): TenantRecord {
  return {
    name: row.name as string,
    tier: row.tier as string | null,
    settings: row.settings as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toSpend(row: Row): SpendRow {
  return {
    tenant: row.tenant as string,
    hourStart: Number(row.hour_start),
    usd: row.usd as number,
    requests: Number(row.requests),
  };
}

function toPrice(row: Row): PriceOverride {
  return {
    name: row.name as string,
    input: row.input as number,
    output: row.output as number,
    cachedInput: row.cached_input as number | null,
    cacheWriteInput: row.cache_write_input as number | null,
    cacheWrite1hInput: row.cache_write_1h_input as number | null,
    batchDiscount: row.batch_discount as number | null,
    updatedAt: Number(row.updated_at),
  };
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly batches: PostgresBatchStore;
  readonly #pool: Pool;
  /** The pool's connection settings, for the LISTEN connection of watchKeyChanges. */
  readonly #clientConfig: ClientConfig;
  readonly #onConnectionError: (error: Error) => void;
  #closed: Promise<void> | undefined;

  /** Connects and migrates; rejects (and releases the pool) when either fails. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.#migrate(options.migrations ?? postgresMigrations);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(url: string, options: PostgresStoreOptions) {
    this.#clientConfig = { connectionString: url, application_name: 'switchyard', ...options.pool };
    this.#pool = new (loadPg().Pool)({
      connectionString: url,
      application_name: 'switchyard',
      // Background work only (key refresh, spend batches, admin calls): a few connections are plenty.
      max: 5,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      // A query never holds the writer or a poller forever: the server cancels it, and the client gives
      // up too when the network swallowed the reply.
      statement_timeout: 10_000,
      query_timeout: 15_000,
      ...options.pool,
    });
    this.batches = new PostgresBatchStore(this.#pool, (fn) => this.#transaction(fn));
    // Without a listener, an idle connection's error would be an unhandled 'error' event: a crash.
    const onConnectionError = options.onConnectionError ?? (() => {});
    this.#onConnectionError = onConnectionError;
    this.#pool.on('error', (error) => onConnectionError(error));
  }

  /** Calls `listener` when any instance changed keys or tenants (see postgres-key-notices.ts). */
  watchKeyChanges(listener: () => void): () => void {
    return listenForKeyChanges(this.#clientConfig, listener, this.#onConnectionError);
  }

  /** After a committed key or tenant change: the other instances re-read at once. */
  async #announceKeyChange(): Promise<void> {
    // The change is committed: a lost notice costs only the poll's delay, never the admin call.
    await announceKeyChange(this.#pool).catch((error: unknown) => this.#onConnectionError(error as Error));
  }

  async #migrate(migrations: readonly Migration[]): Promise<void> {
    // Waiting for another instance's migration, or building an index on a big table, may take longer
    // than the everyday timeouts; a start that gives up halfway through would only start again.
    await this.#transaction(async (client) => {
      // pg honours a per-query `query_timeout` (lib/client.js); @types/pg does not declare it.
      const query = (text: string, values?: unknown[]) =>
        client.query({ text, values, query_timeout: MIGRATION_TIMEOUT_MS } as QueryConfig);
      await query(`SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
      // Held to the end of the transaction: a second instance waits here, then sees every version applied.
      await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await query('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row: Row) => Number(row.version)));
      for (const migration of pendingMigrations(migrations, applied)) {
        await query(migration.sql);
        await query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      }
    });
  }

  /** `fn` in one transaction on one pooled connection; rolled back if it throws. */
  async #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // A checked-out connection is not covered by the pool's 'error' listener: without one of its own, a
    // socket that drops mid-transaction (a restart, a failover) is an unhandled 'error' event, a crash.
    // The query in flight fails anyway, and the connection is destroyed on release below.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.off('error', onError);
      client.release(broken);
      return result;
    } catch (error) {
      try {
        if (broken !== undefined) throw broken;
        await client.query('ROLLBACK');
        client.off('error', onError);
        client.release();
      } catch (rollbackError) {
        // The connection is broken: destroy it rather than return it to the pool. The first error is
        // the one worth reporting.
        client.off('error', onError);
        client.release(rollbackError as Error);
      }
      throw error;
    }
  }

  /**
   * A change-sequence value, taken while holding a transaction-level lock. A bare SEQUENCE hands out
   * values in call order, but transactions may commit in another order: a poller could read seq 6,
   * advance its cursor, and never see seq 5 committing a moment later. Under the lock, key writes
   * commit one at a time in sequence order. Key writes are rare admin calls, so the lock costs nothing.
   */
  async #lockKeyChanges(client: PoolClient): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_CHANGE_LOCK]);
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async insertKey(record: VirtualKeyRecord): Promise<void> {
    await this.#transaction(async (client) => {
      await this.#lockKeyChanges(client);
      await client.query(
        `INSERT INTO virtual_keys (${KEY_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, nextval('virtual_keys_change_seq'))`,
        [
          record.id,
          record.keyHash,
          record.keyHint,
          record.tenant,
          record.tier,
          record.models === null ? null : JSON.stringify(record.models),
          record.name,
          record.createdAt,
          record.revokedAt,
        ],
      );
    });
    await this.#announceKeyChange();
  }

  async listKeys(filter: { tenant?: string }): Promise<VirtualKeyRecord[]> {
    const { rows } =
      filter.tenant === undefined
        ? await this.#pool.query(`SELECT ${KEY_COLUMNS} FROM virtual_keys ORDER BY created_at DESC, seq DESC`)
        : await this.#pool.query(
            `SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE tenant = $1 ORDER BY created_at DESC, seq DESC`,
            [filter.tenant],
          );
    return rows.map(toKey);
  }

  async getKey(id: string): Promise<VirtualKeyRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toKey(rows[0]);
  }

  async revokeKey(id: string, atMs: number): Promise<boolean> {
    const revoked = await this.#transaction(async (client) => {
      await this.#lockKeyChanges(client);
      const result = await client.query(
        `UPDATE virtual_keys SET revoked_at = $2, seq = nextval('virtual_keys_change_seq')
         WHERE id = $1 AND revoked_at IS NULL`,
        [id, atMs],
      );
      return result.rowCount === 1;
    });
    if (revoked) await this.#announceKeyChange();
    return revoked;
  }

  async keysChangedSince(cursor: number): Promise<{ cursor: number; keys: VirtualKeyRecord[] }> {
    const { rows } = await this.#pool.query(
      `SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE seq > $1 ORDER BY seq`,
      [cursor],
    );
    const last = rows.at(-1);
    return { cursor: last === undefined ? cursor : Number(last.seq), keys: rows.map(toKey) };
  }

  async upsertTenant(record: TenantRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO tenants (name, tier, settings, created_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (name) DO UPDATE SET tier = excluded.tier, settings = excluded.settings,
         updated_at = excluded.updated_at`,
      [record.name, record.tier, JSON.stringify(record.settings), record.createdAt, record.updatedAt],
    );
    await this.#announceKeyChange();
  }

  async listTenants(): Promise<TenantRecord[]> {
    const { rows } = await this.#pool.query(
      'SELECT name, tier, settings, created_at, updated_at FROM tenants ORDER BY name',
    );
    return rows.map(toTenant);
  }

  async deleteTenant(name: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM tenants WHERE name = $1', [name]);
    if (result.rowCount !== 1) return false;
    await this.#announceKeyChange();
    return true;
  }

  async addSpend(entries: readonly SpendEntry[]): Promise<void> {
    assertSpendEntries(entries);
    if (entries.length === 0) return;
    const rows = coalesceSpend(entries);
    // One statement (so one implicit transaction) however long the batch: the columns go as arrays.
    await this.#pool.query(
      `INSERT INTO spend_hourly (tenant, hour_start, usd, requests)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::bigint[])
       ON CONFLICT (tenant, hour_start) DO UPDATE SET usd = spend_hourly.usd + excluded.usd,
         requests = spend_hourly.requests + excluded.requests`,
      [
        rows.map((row) => row.tenant),
        rows.map((row) => row.hourStart),
        rows.map((row) => row.usd),
        rows.map((row) => row.requests),
      ],
    );
  }

  async spendByHour(filter: { tenant?: string; fromMs: number; toMs: number }): Promise<SpendRow[]> {
    const { rows } =
      filter.tenant === undefined
        ? await this.#pool.query(
            `SELECT tenant, hour_start, usd, requests FROM spend_hourly
             WHERE hour_start >= $1 AND hour_start < $2 ORDER BY hour_start, tenant`,
            [filter.fromMs, filter.toMs],
          )
        : await this.#pool.query(
            `SELECT tenant, hour_start, usd, requests FROM spend_hourly
             WHERE tenant = $1 AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start`,
            [filter.tenant, filter.fromMs, filter.toMs],
          );
    return rows.map(toSpend);
  }

  async upsertPrices(entries: readonly PriceOverride[]): Promise<void> {
    if (entries.length === 0) return;
    // One row per name (the last entry wins, as sequential upserts would): PostgreSQL refuses an upsert
    // that touches a row twice in one statement.
    const byName = new Map<string, PriceOverride>();
    for (const price of entries) byName.set(price.name, price);
    const prices = [...byName.values()];
    await this.#pool.query(
      `INSERT INTO price_overrides
         (name, input, output, cached_input, cache_write_input, cache_write_1h_input, batch_discount,
          updated_at)
       SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::float8[],
         $6::float8[], $7::float8[], $8::bigint[])
       ON CONFLICT (name) DO UPDATE SET input = excluded.input, output = excluded.output,
         cached_input = excluded.cached_input, cache_write_input = excluded.cache_write_input,
         cache_write_1h_input = excluded.cache_write_1h_input,
         batch_discount = excluded.batch_discount, updated_at = excluded.updated_at`,
      [
        prices.map((price) => price.name),
        prices.map((price) => price.input),
        prices.map((price) => price.output),
        prices.map((price) => price.cachedInput),
        prices.map((price) => price.cacheWriteInput),
        prices.map((price) => price.cacheWrite1hInput),
        prices.map((price) => price.batchDiscount),
        prices.map((price) => price.updatedAt),
      ],
    );
  }

  async listPrices(): Promise<PriceOverride[]> {
    const { rows } = await this.#pool.query(
      `SELECT name, input, output, cached_input, cache_write_input, cache_write_1h_input, batch_discount,
         updated_at
       FROM price_overrides ORDER BY name`,
    );
    return rows.map(toPrice);
  }

  async claimAlert(condition: string, period: string, atMs: number): Promise<boolean> {
    const result = await this.#pool.query(
      'INSERT INTO alert_claims (condition, period, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [condition, period, atMs],
    );
    return result.rowCount === 1;
  }

  async insertRequests(rows: readonly RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    const rollups = rollupsOf(rows);
    // Sorted keys: two instances adding overlapping rollups lock their rows in one order (no deadlock).
    rollups.requests.sort(compareRequestRollups);
    rollups.attempts.sort(compareAttemptRollups);
    const valueRows = rows.map(requestValues);
    await this.#transaction(async (client) => {
      // A locked table must not hold the writer (and its queue) for the statement timeout: give up
      // quickly, and the writer retries the batch later.
      await client.query("SET LOCAL lock_timeout = '2s'");
      await client.query(
        `INSERT INTO request_log (${REQUEST_COLUMNS.join(', ')})
         SELECT * FROM unnest(${REQUEST_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`,
        REQUEST_COLUMNS.map((_, i) => valueRows.map((row) => row[i])),
      );
      if (rollups.requests.length > 0) {
        const values = rollups.requests.map((r) => [
          r.bucketMs,
          r.bucketStart,
          r.provider,
          r.model,
          r.statusClass,
          ...requestRollupValues(r),
        ]);
        const types = [
          'bigint',
          'bigint',
          'text',
          'text',
          'text',
          ...REQUEST_ROLLUP_SUMS.map(() => 'float8'),
        ];
        await client.query(
          `INSERT INTO request_rollup (bucket_ms, bucket_start, provider, model, status_class, ${REQUEST_ROLLUP_SUMS.join(', ')})
           SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           ON CONFLICT (bucket_ms, bucket_start, provider, model, status_class) DO UPDATE SET
           ${REQUEST_ROLLUP_SUMS.map((name) => `${name} = request_rollup.${name} + excluded.${name}`).join(', ')}`,
          types.map((_, i) => values.map((row) => row[i])),
        );
      }
      if (rollups.attempts.length > 0) {
        const values = rollups.attempts.map((r) => [
          r.bucketMs,
          r.bucketStart,
          r.provider,
          r.outcome,
          ...attemptRollupValues(r),
        ]);
        const types = ['bigint', 'bigint', 'text', 'text', ...ATTEMPT_ROLLUP_SUMS.map(() => 'float8')];
        await client.query(
          `INSERT INTO attempt_rollup (bucket_ms, bucket_start, provider, outcome, ${ATTEMPT_ROLLUP_SUMS.join(', ')})
           SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           ON CONFLICT (bucket_ms, bucket_start, provider, outcome) DO UPDATE SET
           ${ATTEMPT_ROLLUP_SUMS.map((name) => `${name} = attempt_rollup.${name} + excluded.${name}`).join(', ')}`,
          types.map((_, i) => values.map((row) => row[i])),
        );
      }
    });
  }

  async queryRequests(filter: RequestFilter): Promise<RequestRow[]> {
    const clauses: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.tenant !== undefined) clauses.push(`tenant = ${bind(filter.tenant)}`);
    if (filter.provider !== undefined) clauses.push(`provider = ${bind(filter.provider)}`);
    const status = filter.status;
    if (status !== undefined) {
      if ('exact' in status) clauses.push(`status = ${bind(status.exact)}`);
      else if ('failed' in status) clauses.push('(status >= 400 OR error_code IS NOT NULL)');
      else clauses.push(`status >= ${bind(status.from)} AND status < ${bind(status.to)}`);
    }
    if (filter.beforeMs !== undefined) {
      if (filter.beforeId === undefined) clauses.push(`time_ms < ${bind(filter.beforeMs)}`);
      else {
        // (time_ms, request_id) < ($1, $2), written so the time index bounds the walk. COLLATE "C":
        // the same byte order as SQLite's, whatever the database's collation.
        const at = bind(filter.beforeMs);
        clauses.push(
          `time_ms <= ${at} AND (time_ms < ${at} OR request_id COLLATE "C" < ${bind(filter.beforeId)})`,
        );
      }
    }
    const where = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
    // Ties in time are ordered by request id, the paging cursor's second half.
    const { rows } = await this.#pool.query(
      `SELECT ${REQUEST_COLUMNS.join(', ')} FROM request_log ${where} ORDER BY time_ms DESC, request_id COLLATE "C" DESC LIMIT ${bind(filter.limit)}`,
      values,
    );
    return rows.map(toRequestRow);
  }

  async requestRollups(filter: {
    bucketMs: number;
    fromMs: number;
    toMs: number;
  }): Promise<{ requests: RequestRollup[]; attempts: AttemptRollup[] }> {
    const args = [filter.bucketMs, filter.fromMs, filter.toMs];
    const where = 'WHERE bucket_ms = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start';
    const [requests, attempts] = await Promise.all([
      this.#pool.query(`SELECT * FROM request_rollup ${where}`, args),
      this.#pool.query(`SELECT * FROM attempt_rollup ${where}`, args),
    ]);
    return { requests: requests.rows.map(toRequestRollup), attempts: attempts.rows.map(toAttemptRollup) };
  }

  async pruneRequests(cutoffs: {
    logBeforeMs: number;
    rollupBeforeMs: Record<number, number>;
  }): Promise<number> {
    const result = await this.#pool.query('DELETE FROM request_log WHERE time_ms < $1', [
      cutoffs.logBeforeMs,
    ]);
    for (const [bucketMs, beforeMs] of Object.entries(cutoffs.rollupBeforeMs)) {
      await this.#pool.query('DELETE FROM request_rollup WHERE bucket_ms = $1 AND bucket_start < $2', [
        Number(bucketMs),
        beforeMs,
      ]);
      await this.#pool.query('DELETE FROM attempt_rollup WHERE bucket_ms = $1 AND bucket_start < $2', [
        Number(bucketMs),
        beforeMs,
      ]);
    }
    return result.rowCount ?? 0;
  }

  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }
}

/** PostgreSQL array types of REQUEST_COLUMNS, in order. */
const REQUEST_TYPES = [
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int4',
  'int4',
  'bool',
  'text',
  'text',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bool',
  'float8',
  'float8',
  'float8',
  'float8',
  'float8',
  'float8',
  'text',
  'jsonb',
] as const;

const DETAIL = REQUEST_COLUMNS.indexOf('detail');

function requestValues(row: RequestRow): unknown[] {
  const values = requestColumnValues(row);
  values[DETAIL] = JSON.stringify(row.detail);
  return values;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRequestRollups(a: RequestRollup, b: RequestRollup): number {
  return (
    a.bucketMs - b.bucketMs ||
    a.bucketStart - b.bucketStart ||
    compareText(a.provider, b.provider) ||
    compareText(a.model, b.model) ||
    compareText(a.statusClass, b.statusClass)
  );
}

function compareAttemptRollups(a: AttemptRollup, b: AttemptRollup): number {
  return (
    a.bucketMs - b.bucketMs ||
    a.bucketStart - b.bucketStart ||
    compareText(a.provider, b.provider) ||
    compareText(a.outcome, b.outcome)
  );
}
