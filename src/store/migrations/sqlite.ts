/**
 * The SQLite schema, one migration per entry (run by src/store/sqlite.ts inside `BEGIN IMMEDIATE`).
 * Times are epoch ms (INTEGER); money is REAL (the store is a ledger of sums; the state keeps exact
 * integers for admission).
 */
import { ATTEMPT_ROLLUP_SUMS, REQUEST_ROLLUP_SUMS_V2 } from '../request-log.ts';
import type { Migration } from './types.ts';

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'control plane: virtual keys, tenants, hourly spend, price overrides, alert claims',
    sql: `
      CREATE TABLE virtual_keys (
        id          TEXT PRIMARY KEY,
        key_hash    TEXT NOT NULL UNIQUE,
        key_hint    TEXT NOT NULL,
        tenant      TEXT NOT NULL,
        tier        TEXT,
        models      TEXT,
        name        TEXT,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER,
        seq         INTEGER NOT NULL
      );
      CREATE INDEX virtual_keys_seq ON virtual_keys (seq);
      CREATE INDEX virtual_keys_tenant ON virtual_keys (tenant, created_at);

      -- The store-wide change sequence behind keysChangedSince: one row, bumped inside the write
      -- transaction, so the value order is the commit order even with several processes on one file.
      CREATE TABLE change_sequence (
        name   TEXT PRIMARY KEY,
        value  INTEGER NOT NULL
      );
      INSERT INTO change_sequence (name, value) VALUES ('virtual_keys', 0);

      CREATE TABLE tenants (
        name        TEXT PRIMARY KEY,
        tier        TEXT,
        settings    TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );

      CREATE TABLE spend_hourly (
        tenant      TEXT NOT NULL,
        hour_start  INTEGER NOT NULL,
        usd         REAL NOT NULL,
        requests    INTEGER NOT NULL,
        PRIMARY KEY (tenant, hour_start)
      ) WITHOUT ROWID;
      CREATE INDEX spend_hourly_hour ON spend_hourly (hour_start);

      CREATE TABLE price_overrides (
        name            TEXT PRIMARY KEY,
        input           REAL NOT NULL,
        output          REAL NOT NULL,
        cached_input    REAL,
        batch_discount  REAL,
        updated_at      INTEGER NOT NULL
      );

      CREATE TABLE alert_claims (
        condition   TEXT NOT NULL,
        period      TEXT NOT NULL,
        claimed_at  INTEGER NOT NULL,
        PRIMARY KEY (condition, period)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'request log and its rollups',
    sql: `
      CREATE TABLE request_log (
        request_id            TEXT NOT NULL,
        time_ms               INTEGER NOT NULL,
        tenant                TEXT,
        key_id                TEXT,
        model                 TEXT NOT NULL,
        provider              TEXT,
        upstream_model        TEXT,
        status                INTEGER NOT NULL,
        attempts              INTEGER NOT NULL,
        stream                INTEGER NOT NULL,
        cache                 TEXT,
        finish_reason         TEXT,
        prompt_tokens         INTEGER NOT NULL,
        completion_tokens     INTEGER NOT NULL,
        cached_tokens         INTEGER NOT NULL,
        reasoning_tokens      INTEGER NOT NULL,
        usage_estimated       INTEGER NOT NULL,
        cost_usd              REAL,
        cost_estimate_usd     REAL,
        latency_total_ms      REAL NOT NULL,
        latency_gateway_ms    REAL NOT NULL,
        latency_network_ms    REAL NOT NULL,
        latency_inference_ms  REAL NOT NULL,
        error_code            TEXT,
        detail                TEXT NOT NULL
      );
      -- GET /admin/requests: newest first, optionally by tenant or provider (a status filter walks the
      -- time index back from the newest row). Each index costs every insert, so there are no more.
      CREATE INDEX request_log_time ON request_log (time_ms);
      CREATE INDEX request_log_tenant ON request_log (tenant, time_ms);
      CREATE INDEX request_log_provider ON request_log (provider, time_ms);

      CREATE TABLE request_rollup (
        bucket_ms     INTEGER NOT NULL,
        bucket_start  INTEGER NOT NULL,
        provider      TEXT NOT NULL,
        model         TEXT NOT NULL,
        status_class  TEXT NOT NULL,
        ${REQUEST_ROLLUP_SUMS_V2.map((name) => `${name} REAL NOT NULL`).join(',\n        ')},
        PRIMARY KEY (bucket_ms, bucket_start, provider, model, status_class)
      ) WITHOUT ROWID;

      CREATE TABLE attempt_rollup (
        bucket_ms     INTEGER NOT NULL,
        bucket_start  INTEGER NOT NULL,
        provider      TEXT NOT NULL,
        outcome       TEXT NOT NULL,
        ${ATTEMPT_ROLLUP_SUMS.map((name) => `${name} REAL NOT NULL`).join(',\n        ')},
        PRIMARY KEY (bucket_ms, bucket_start, provider, outcome)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'batches: files, jobs, lines (the queue), provider batches',
    sql: `
      CREATE TABLE batch_files (
        id          TEXT PRIMARY KEY,
        tenant      TEXT NOT NULL,
        purpose     TEXT NOT NULL,
        filename    TEXT NOT NULL,
        bytes       INTEGER NOT NULL,
        lines       INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
      );

      CREATE TABLE batch_jobs (
        id                 TEXT PRIMARY KEY,
        tenant             TEXT NOT NULL,
        input_file_id      TEXT NOT NULL,
        endpoint           TEXT NOT NULL,
        completion_window  TEXT NOT NULL,
        status             TEXT NOT NULL,
        metadata           TEXT,
        output_file_id     TEXT,
        error_file_id      TEXT,
        errors             TEXT,
        created_at         INTEGER NOT NULL,
        in_progress_at     INTEGER,
        finalizing_at      INTEGER,
        completed_at       INTEGER,
        failed_at          INTEGER,
        cancelling_at      INTEGER,
        cancelled_at       INTEGER,
        expired_at         INTEGER,
        expires_at         INTEGER NOT NULL,
        seq                INTEGER NOT NULL
      );
      CREATE INDEX batch_jobs_tenant ON batch_jobs (tenant, seq);
      CREATE INDEX batch_jobs_status ON batch_jobs (status);

      -- One row per input line: the aggregator's queue. The id is the upstream custom id's root.
      CREATE TABLE batch_lines (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id             TEXT NOT NULL,
        tenant             TEXT NOT NULL,
        line_no            INTEGER NOT NULL,
        custom_id          TEXT NOT NULL,
        target             TEXT,
        request            TEXT,
        status             TEXT NOT NULL,
        attempts           INTEGER NOT NULL DEFAULT 0,
        provider_batch_id  TEXT,
        queued_at          INTEGER NOT NULL,
        result             TEXT,
        cost_usd           REAL,
        UNIQUE (job_id, line_no)
      );
      CREATE INDEX batch_lines_queue ON batch_lines (status, target, queued_at);
      CREATE INDEX batch_lines_provider_batch ON batch_lines (provider_batch_id);

      CREATE TABLE provider_batches (
        id           TEXT PRIMARY KEY,
        target       TEXT NOT NULL,
        status       TEXT NOT NULL,
        upstream_id  TEXT,
        line_count   INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        next_poll_at INTEGER NOT NULL,
        polls        INTEGER NOT NULL
      );
      CREATE INDEX provider_batches_open ON provider_batches (status);
      CREATE INDEX provider_batches_target ON provider_batches (target);
    `,
  },
  {
    version: 4,
    name: 'price overrides: cache-write price',
    sql: `
      -- USD per 1M prompt tokens written to the provider's cache; NULL: billed as input.
      ALTER TABLE price_overrides ADD COLUMN cache_write_input REAL;
    `,
  },
  {
    version: 5,
    name: 'price overrides: 1-hour cache-write price',
    sql: `
      -- USD per 1M prompt tokens written to the cache with a 1-hour TTL; NULL: the cache-write price.
      ALTER TABLE price_overrides ADD COLUMN cache_write_1h_input REAL;
    `,
  },
  {
    version: 6,
    name: 'batches: the virtual key that created a job',
    sql: `
      -- The store key (virtual_keys.id) a job was created with; NULL for a config key or single-user
      -- mode. Its lines are budgeted and checked by that key's policy (its tier, its allow-list), also
      -- after a restart.
      ALTER TABLE batch_jobs ADD COLUMN key_id TEXT;
    `,
  },
  {
    version: 7,
    name: 'request rollups: unpriced requests',
    sql: `
      -- Requests that used tokens at no known price: their cost is unknown, never zero, so cost_usd
      -- is a lower bound wherever this is above 0. Rows rolled up before this migration count 0.
      ALTER TABLE request_rollup ADD COLUMN unpriced_requests REAL NOT NULL DEFAULT 0;
    `,
  },
];
