/**
 * The embedded store (`store: sqlite:PATH`): node:sqlite, one connection, WAL journal. node:sqlite is
 * synchronous, so nothing on the request path calls it (docs/style.md §2.9): keys are read into memory and
 * refreshed in the background, spend arrives in batches from writer.ts. Every call here is an indexed
 * lookup or one short transaction; the methods return promises only to match the Store interface.
 *
 * Several processes may share the file (`--workers N`): WAL lets readers run beside the one writer,
 * `BEGIN IMMEDIATE` takes the write lock up front (no deadlock upgrading a read lock), and
 * `busy_timeout` waits for another process's write instead of failing at once; except the batching
 * writer's writes (spend, request log), which fail at once and are retried, since a wait here would be
 * a wait of the whole process.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { sqliteMigrations } from './migrations/sqlite.ts';
import { SqliteBatchStore } from './sqlite-batches.ts';
import { type Migration, pendingMigrations } from './migrations/types.ts';
import {
  type AttemptRollup,
  REQUEST_COLUMNS,
  type RequestFilter,
  type RequestRollup,
  type RequestRow,
  toAttemptRollup,
  toRequestRollup,
  toRequestRow,
} from './request-log.ts';
import { SqliteLogThread } from './sqlite-log-thread.ts';
import {
  prepareRequestLogStatements,
  type RequestLogStatements,
  writeRequests,
} from './sqlite-request-log.ts';
import { assertSpendEntries, coalesceSpend } from './spend-entries.ts';
import type { PriceOverride, SpendRow, SpendEntry, Store, TenantRecord, VirtualKeyRecord } from './types.ts';

export interface SqliteStoreOptions {
  /** How long a write waits for another process holding the write lock; default 5000 ms. */
  busyTimeoutMs?: number;
  /** The schema to reach; default every migration in migrations/sqlite.ts (tests pass a prefix). */
  migrations?: readonly Migration[];
  /** Write the request log on a worker thread (file databases only); default true. */
  logThread?: boolean;
}

type Row = Record<string, SQLInputValue>;

const KEY_COLUMNS = 'id, key_hash, key_hint, tenant, tier, models, name, created_at, revoked_at, seq';

function toKey(row: Row): VirtualKeyRecord {
  return {
    id: row.id as string,
    keyHash: row.key_hash as string,
    keyHint: row.key_hint as string,
    tenant: row.tenant as string,
    tier: row.tier as string | null,
    models: row.models === null ? null : (JSON.parse(row.models as string) as string[]),
    name: row.name as string | null,
    createdAt: row.created_at as number,
    revokedAt: row.revoked_at as number | null,
  };
}

function toTenant(row: Row): TenantRecord {
  return {
    name: row.name as string,
    tier: row.tier as string | null,
    settings: JSON.parse(row.settings as string) as Record<string, unknown>,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

function toSpend(row: Row): SpendRow {
  return {
    tenant: row.tenant as string,
    hourStart: row.hour_start as number,
    usd: row.usd as number,
    requests: row.requests as number,
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
    updatedAt: row.updated_at as number,
  };
}

/** Statements prepared once at open; each call only binds and steps. */
function prepareStatements(db: DatabaseSync) {
  return {
    ping: db.prepare('SELECT 1'),
    nextChange: db.prepare(
      "UPDATE change_sequence SET value = value + 1 WHERE name = 'virtual_keys' RETURNING value",
    ),
    insertKey: db.prepare(`INSERT INTO virtual_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    listKeys: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys ORDER BY created_at DESC, seq DESC`),
    listTenantKeys: db.prepare(
      `SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE tenant = ? ORDER BY created_at DESC, seq DESC`,
    ),
    getKey: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE id = ?`),
    revokeKey: db.prepare(
      'UPDATE virtual_keys SET revoked_at = ?, seq = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    keysSince: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE seq > ? ORDER BY seq`),
    upsertTenant: db.prepare(
      `INSERT INTO tenants (name, tier, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET tier = excluded.tier, settings = excluded.settings,
         updated_at = excluded.updated_at`,
    ),
    listTenants: db.prepare('SELECT name, tier, settings, created_at, updated_at FROM tenants ORDER BY name'),
    deleteTenant: db.prepare('DELETE FROM tenants WHERE name = ?'),
    addSpend: db.prepare(
      `INSERT INTO spend_hourly (tenant, hour_start, usd, requests) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, hour_start) DO UPDATE SET usd = usd + excluded.usd,
         requests = requests + excluded.requests`,
    ),
    spendAll: db.prepare(
      `SELECT tenant, hour_start, usd, requests FROM spend_hourly
       WHERE hour_start >= ? AND hour_start < ? ORDER BY hour_start, tenant`,
    ),
    spendTenant: db.prepare(
      `SELECT tenant, hour_start, usd, requests FROM spend_hourly
       WHERE tenant = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start`,
    ),
    upsertPrice: db.prepare(
      `INSERT INTO price_overrides
         (name, input, output, cached_input, cache_write_input, cache_write_1h_input, batch_discount,
          updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET input = excluded.input, output = excluded.output,
         cached_input = excluded.cached_input, cache_write_input = excluded.cache_write_input,
         cache_write_1h_input = excluded.cache_write_1h_input,
         batch_discount = excluded.batch_discount, updated_at = excluded.updated_at`,
    ),
    listPrices: db.prepare(
      `SELECT name, input, output, cached_input, cache_write_input, cache_write_1h_input, batch_discount,
         updated_at
       FROM price_overrides ORDER BY name`,
    ),
    claimAlert: db.prepare(
      'INSERT INTO alert_claims (condition, period, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    requestRollups: db.prepare(
      'SELECT * FROM request_rollup WHERE bucket_ms = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start',
    ),
    attemptRollups: db.prepare(
      'SELECT * FROM attempt_rollup WHERE bucket_ms = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start',
    ),
    pruneLog: db.prepare(
      // In slices, so one prune of a large backlog never holds the write lock (and this thread) for long.
      'DELETE FROM request_log WHERE rowid IN (SELECT rowid FROM request_log WHERE time_ms < ? LIMIT 5000)',
    ),
    pruneRequestRollup: db.prepare('DELETE FROM request_rollup WHERE bucket_ms = ? AND bucket_start < ?'),
    pruneAttemptRollup: db.prepare('DELETE FROM attempt_rollup WHERE bucket_ms = ? AND bucket_start < ?'),
  } satisfies Record<string, StatementSync>;
}

/** `sqlite:PATH` → the file path (relative to the process cwd), or `:memory:`. */
export function sqlitePathOf(setting: string): string {
  const path = setting.slice('sqlite:'.length);
  if (path === '')
    throw new Error(`The store setting 'sqlite:' names no file; expected sqlite:PATH or sqlite::memory:`);
  return path === ':memory:' ? path : resolve(path);
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #sql: ReturnType<typeof prepareStatements>;
  readonly batches: SqliteBatchStore | undefined;
  readonly #busyTimeoutMs: number;
  readonly #logStatements: RequestLogStatements;
  /** The request log's writer thread, for file databases (sqlite-log-thread.ts). */
  #logThread: SqliteLogThread | undefined;

  /** Opens (creating the file and its folder) and migrates. `path` is a file path or `:memory:`. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
    const store = new SqliteStore(path, options);
    // After the migrations: the thread's connection expects the schema in place.
    if (path !== ':memory:' && options.logThread !== false)
      store.#logThread = new SqliteLogThread(path, store.#busyTimeoutMs);
    return store;
  }

  private constructor(path: string, options: SqliteStoreOptions) {
    this.#db = new DatabaseSync(path);
    this.#busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    try {
      // busy_timeout first: switching to WAL and migrating may wait for another process opening the file.
      this.#db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
      retryWhileBusy(() => this.#db.exec('PRAGMA journal_mode = WAL'), this.#busyTimeoutMs);
      // In WAL mode NORMAL loses at most the last commits on power loss, never consistency; FULL would
      // fsync every batch of the writer.
      this.#db.exec('PRAGMA synchronous = NORMAL');
      this.#migrate(options.migrations ?? sqliteMigrations);
      this.#sql = prepareStatements(this.#db);
      // A schema migrated only partway (tests pass a prefix of the migrations) has no batch tables.
      this.batches = this.#hasTable('batch_lines')
        ? new SqliteBatchStore(this.#db, (fn) => this.#transaction(fn))
        : undefined;
      this.#logStatements = prepareRequestLogStatements(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  #migrate(migrations: readonly Migration[]): void {
    retryWhileBusy(() => this.#migrateOnce(migrations), this.#busyTimeoutMs);
  }

  #migrateOnce(migrations: readonly Migration[]): void {
    this.#transaction(() => {
      this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const applied = new Set(
        this.#db
          .prepare('SELECT version FROM schema_migrations')
          .all()
          .map((row) => row.version as number),
      );
      const record = this.#db.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      for (const migration of pendingMigrations(migrations, applied)) {
        this.#db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }
    });
  }

  /** `fn` in one write transaction, taken up front (see the file comment); rolled back if it throws. */
  #transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #hasTable(name: string): boolean {
    return (
      this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
      undefined
    );
  }

  /**
   * A write of the batching writer (writer.ts): it never waits for another process's write lock
   * (busy_timeout 0 for this transaction), since node:sqlite would wait on this thread and stall every
   * request meanwhile. A busy file fails the batch at once; the writer keeps it and retries later.
   */
  #backgroundTransaction(fn: () => void): void {
    this.#db.exec('PRAGMA busy_timeout = 0');
    try {
      this.#transaction(fn);
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  #nextChange(): number {
    return (this.#sql.nextChange.get() as Row).value as number;
  }

  async ping(): Promise<void> {
    this.#sql.ping.get();
  }

  async insertKey(record: VirtualKeyRecord): Promise<void> {
    this.#transaction(() => {
      this.#sql.insertKey.run(
        record.id,
        record.keyHash,
        record.keyHint,
        record.tenant,
        record.tier,
        record.models === null ? null : JSON.stringify(record.models),
        record.name,
        record.createdAt,
        record.revokedAt,
        this.#nextChange(),
      );
    });
  }

  async listKeys(filter: { tenant?: string }): Promise<VirtualKeyRecord[]> {
    const rows =
      filter.tenant === undefined ? this.#sql.listKeys.all() : this.#sql.listTenantKeys.all(filter.tenant);
    return rows.map(toKey);
  }

  async getKey(id: string): Promise<VirtualKeyRecord | undefined> {
    const row = this.#sql.getKey.get(id);
    return row === undefined ? undefined : toKey(row);
  }

  async revokeKey(id: string, atMs: number): Promise<boolean> {
    return this.#transaction(() => {
      // A sequence value taken by a revoke that matched nothing is a gap, which pollers do not mind.
      return Number(this.#sql.revokeKey.run(atMs, this.#nextChange(), id).changes) === 1;
    });
  }

  async keysChangedSince(cursor: number): Promise<{ cursor: number; keys: VirtualKeyRecord[] }> {
    const rows = this.#sql.keysSince.all(cursor);
    const last = rows.at(-1);
    return { cursor: last === undefined ? cursor : (last.seq as number), keys: rows.map(toKey) };
  }

  async upsertTenant(record: TenantRecord): Promise<void> {
    this.#sql.upsertTenant.run(
      record.name,
      record.tier,
      JSON.stringify(record.settings),
      record.createdAt,
      record.updatedAt,
    );
  }

  async listTenants(): Promise<TenantRecord[]> {
    return this.#sql.listTenants.all().map(toTenant);
  }

  async deleteTenant(name: string): Promise<boolean> {
    return Number(this.#sql.deleteTenant.run(name).changes) === 1;
  }

  async addSpend(entries: readonly SpendEntry[]): Promise<void> {
    assertSpendEntries(entries);
    if (entries.length === 0) return;
    const rows = coalesceSpend(entries);
    this.#backgroundTransaction(() => {
      for (const row of rows) this.#sql.addSpend.run(row.tenant, row.hourStart, row.usd, row.requests);
    });
  }

  async spendByHour(filter: { tenant?: string; fromMs: number; toMs: number }): Promise<SpendRow[]> {
    const rows =
      filter.tenant === undefined
        ? this.#sql.spendAll.all(filter.fromMs, filter.toMs)
        : this.#sql.spendTenant.all(filter.tenant, filter.fromMs, filter.toMs);
    return rows.map(toSpend);
  }

  async upsertPrices(entries: readonly PriceOverride[]): Promise<void> {
    if (entries.length === 0) return;
    this.#transaction(() => {
      for (const price of entries)
        this.#sql.upsertPrice.run(
          price.name,
          price.input,
          price.output,
          price.cachedInput,
          price.cacheWriteInput,
          price.cacheWrite1hInput,
          price.batchDiscount,
          price.updatedAt,
        );
    });
  }

  async listPrices(): Promise<PriceOverride[]> {
    return this.#sql.listPrices.all().map(toPrice);
  }

  async claimAlert(condition: string, period: string, atMs: number): Promise<boolean> {
    return Number(this.#sql.claimAlert.run(condition, period, atMs).changes) === 1;
  }

  async insertRequests(rows: readonly RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    const thread = this.#logThread;
    if (thread !== undefined && !thread.dead) return thread.insert(rows);
    this.#backgroundTransaction(() => writeRequests(this.#logStatements, rows));
  }

  async queryRequests(filter: RequestFilter): Promise<RequestRow[]> {
    const { where, values } = requestWhere(filter);
    // Built per call (an admin call, not the request path) from a fixed set of clauses; values are bound.
    const statement = this.#db.prepare(
      `SELECT ${REQUEST_COLUMNS.join(', ')} FROM request_log ${where} ORDER BY time_ms DESC, request_id DESC LIMIT ?`,
    );
    return statement.all(...values, filter.limit).map(toRequestRow);
  }

  async requestRollups(filter: {
    bucketMs: number;
    fromMs: number;
    toMs: number;
  }): Promise<{ requests: RequestRollup[]; attempts: AttemptRollup[] }> {
    const args = [filter.bucketMs, filter.fromMs, filter.toMs];
    return {
      requests: this.#sql.requestRollups.all(...args).map(toRequestRollup),
      attempts: this.#sql.attemptRollups.all(...args).map(toAttemptRollup),
    };
  }

  async pruneRequests(cutoffs: {
    logBeforeMs: number;
    rollupBeforeMs: Record<number, number>;
  }): Promise<number> {
    let deleted = 0;
    for (;;) {
      const changes = Number(this.#sql.pruneLog.run(cutoffs.logBeforeMs).changes);
      deleted += changes;
      if (changes < 5000) break;
      // Let requests run between slices.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const [bucketMs, beforeMs] of Object.entries(cutoffs.rollupBeforeMs)) {
      this.#sql.pruneRequestRollup.run(Number(bucketMs), beforeMs);
      this.#sql.pruneAttemptRollup.run(Number(bucketMs), beforeMs);
    }
    return deleted;
  }

  async close(): Promise<void> {
    await this.#logThread?.close();
    if (this.#db.isOpen) this.#db.close();
  }
}

/** The WHERE clause of a request-log query, with `?` placeholders. */
function requestWhere(filter: RequestFilter): { where: string; values: SQLInputValue[] } {
  const clauses: string[] = [];
  const values: SQLInputValue[] = [];
  if (filter.tenant !== undefined) {
    clauses.push('tenant = ?');
    values.push(filter.tenant);
  }
  if (filter.provider !== undefined) {
    clauses.push('provider = ?');
    values.push(filter.provider);
  }
  const status = filter.status;
  if (status !== undefined) {
    if ('exact' in status) {
      clauses.push('status = ?');
      values.push(status.exact);
    } else if ('failed' in status) clauses.push('(status >= 400 OR error_code IS NOT NULL)');
    else {
      clauses.push('status >= ? AND status < ?');
      values.push(status.from, status.to);
    }
  }
  if (filter.beforeMs !== undefined) {
    if (filter.beforeId === undefined) {
      clauses.push('time_ms < ?');
      values.push(filter.beforeMs);
    } else {
      // (time_ms, request_id) < (?, ?), written so the time index bounds the walk.
      clauses.push('time_ms <= ? AND (time_ms < ? OR request_id < ?)');
      values.push(filter.beforeMs, filter.beforeMs, filter.beforeId);
    }
  }
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}

/**
 * Runs `step`, again after a short sleep while SQLite answers SQLITE_BUSY, for up to `timeoutMs`. Two
 * processes opening one new file together (`--workers`, two instances, each with its log thread's own
 * connection) once failed the second with "database is locked" at the switch to WAL although the busy
 * timeout was set (a full test run, test/e2e/control-plane-shared.test.ts; not reproduced on demand):
 * SQLite does not call the busy handler in every locking path. Startup only, so a blocking sleep is fine.
 */
export function retryWhileBusy(step: () => void, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      step();
      return;
    } catch (error) {
      const code = (error as { errcode?: unknown }).errcode;
      // SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT) end in 5.
      if (typeof code !== 'number' || (code & 0xff) !== 5 || Date.now() >= deadline) throw error;
      Atomics.wait(SLEEP, 0, 0, 20);
    }
  }
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
