/**
 * The PostgreSQL schema, one migration per entry (run by src/store/postgres.ts in one transaction under
 * an advisory lock). Times are epoch ms (bigint) so both dialects return the same numbers; money is
 * double precision (the store is a ledger of sums; the state keeps exact integers for admission).
 * Unqualified names land in the first schema of the connection's search_path.
 */
import { ATTEMPT_ROLLUP_SUMS, REQUEST_ROLLUP_SUMS_V2 } from '../request-log.ts';
import type { Migration } from './types.ts';

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'control plane: virtual keys, tenants, hourly spend, price overrides, alert claims',
    sql: `
      -- The store-wide change sequence behind keysChangedSince. Values are taken under an advisory
      -- lock (postgres.ts), so their order is the commit order and a poller never skips one.
      CREATE SEQUENCE virtual_keys_change_seq;

      CREATE TABLE virtual_keys (
        id          text PRIMARY KEY,
        key_hash    text NOT NULL UNIQUE,
        key_hint    text NOT NULL,
        tenant      text NOT NULL,
        tier        text,
        models      jsonb,
        name        text,
        created_at  bigint NOT NULL,
        revoked_at  bigint,
        seq         bigint NOT NULL
      );
      CREATE INDEX virtual_keys_seq ON virtual_keys (seq);
      CREATE INDEX virtual_keys_tenant ON virtual_keys (tenant, created_at);

      CREATE TABLE tenants (
        name        text PRIMARY KEY,
        tier        text,
        settings    jsonb NOT NULL,
        created_at  bigint NOT NULL,
        updated_at  bigint NOT NULL
      );

      CREATE TABLE spend_hourly (
        tenant      text NOT NULL,
        hour_start  bigint NOT NULL,
        usd         double precision NOT NULL,
        requests    bigint NOT NULL,
        PRIMARY KEY (tenant, hour_start)
      );
      CREATE INDEX spend_hourly_hour ON spend_hourly (hour_start);

      CREATE TABLE price_overrides (
        name            text PRIMARY KEY,
        input           double precision NOT NULL,
        output          double precision NOT NULL,
        cached_input    double precision,
        batch_discount  double precision,
        updated_at      bigint NOT NULL
      );

      CREATE TABLE alert_claims (
        condition   text NOT NULL,
        period      text NOT NULL,
        claimed_at  bigint NOT NULL,
        PRIMARY KEY (condition, period)
      );
    `,
  },
  {
    version: 2,
    name: 'request log and its rollups',
    sql: `
      CREATE TABLE request_log (
        request_id            text NOT NULL,
        time_ms               bigint NOT NULL,
        tenant                text,
        key_id                text,
        model                 text NOT NULL,
        provider              text,
        upstream_model        text,
        status                integer NOT NULL,
        attempts              integer NOT NULL,
        stream                boolean NOT NULL,
        cache                 text,
        finish_reason         text,
        prompt_tokens         bigint NOT NULL,
        completion_tokens     bigint NOT NULL,
        cached_tokens         bigint NOT NULL,
        reasoning_tokens      bigint NOT NULL,
        usage_estimated       boolean NOT NULL,
        cost_usd              double precision,
        cost_estimate_usd     double precision,
        latency_total_ms      double precision NOT NULL,
        latency_gateway_ms    double precision NOT NULL,
        latency_network_ms    double precision NOT NULL,
        latency_inference_ms  double precision NOT NULL,
        error_code            text,
        detail                jsonb NOT NULL
      );
      -- GET /admin/requests: newest first, optionally by tenant or provider (a status filter walks the
      -- time index back from the newest row). Each index costs every insert, so there are no more.
      CREATE INDEX request_log_time ON request_log (time_ms);
      CREATE INDEX request_log_tenant ON request_log (tenant, time_ms);
      CREATE INDEX request_log_provider ON request_log (provider, time_ms);

      CREATE TABLE request_rollup (
        bucket_ms     bigint NOT NULL,
        bucket_start  bigint NOT NULL,
        provider      text NOT NULL,
        model         text NOT NULL,
        status_class  text NOT NULL,
        ${REQUEST_ROLLUP_SUMS_V2.map((name) => `${name} double precision NOT NULL`).join(',\n        ')},
        PRIMARY KEY (bucket_ms, bucket_start, provider, model, status_class)
      );

      CREATE TABLE attempt_rollup (
        bucket_ms     bigint NOT NULL,
        bucket_start  bigint NOT NULL,
        provider      text NOT NULL,
        outcome       text NOT NULL,
        ${ATTEMPT_ROLLUP_SUMS.map((name) => `${name} double precision NOT NULL`).join(',\n        ')},
        PRIMARY KEY (bucket_ms, bucket_start, provider, outcome)
      );
    `,
  },
  {
    version: 3,
    name: 'batches: files, jobs, lines (the queue), provider batches',
    sql: `
      CREATE TABLE batch_files (
        id          text PRIMARY KEY,
        tenant      text NOT NULL,
        purpose     text NOT NULL,
        filename    text NOT NULL,
        bytes       bigint NOT NULL,
        lines       bigint NOT NULL,
        created_at  bigint NOT NULL
      );

      CREATE SEQUENCE batch_jobs_seq;
      CREATE TABLE batch_jobs (
        id                 text PRIMARY KEY,
        tenant             text NOT NULL,
        input_file_id      text NOT NULL,
        endpoint           text NOT NULL,
        completion_window  text NOT NULL,
        status             text NOT NULL,
        metadata           jsonb,
        output_file_id     text,
        error_file_id      text,
        errors             jsonb,
        created_at         bigint NOT NULL,
        in_progress_at     bigint,
        finalizing_at      bigint,
        completed_at       bigint,
        failed_at          bigint,
        cancelling_at      bigint,
        cancelled_at       bigint,
        expired_at         bigint,
        expires_at         bigint NOT NULL,
        seq                bigint NOT NULL DEFAULT nextval('batch_jobs_seq')
      );
      CREATE INDEX batch_jobs_tenant ON batch_jobs (tenant, seq);
      CREATE INDEX batch_jobs_status ON batch_jobs (status);

      -- One row per input line: the aggregator's queue. The id is the upstream custom id's root.
      CREATE TABLE batch_lines (
        id                 bigserial PRIMARY KEY,
        job_id             text NOT NULL,
        tenant             text NOT NULL,
        line_no            integer NOT NULL,
        custom_id          text NOT NULL,
        target             text,
        request            text,
        status             text NOT NULL,
        attempts           integer NOT NULL DEFAULT 0,
        provider_batch_id  text,
        queued_at          bigint NOT NULL,
        result             text,
        cost_usd           double precision,
        UNIQUE (job_id, line_no)
      );
      CREATE INDEX batch_lines_queue ON batch_lines (status, target, queued_at);
      CREATE INDEX batch_lines_provider_batch ON batch_lines (provider_batch_id);

      CREATE TABLE provider_batches (
        id           text PRIMARY KEY,
        target       text NOT NULL,
        status       text NOT NULL,
        upstream_id  text,
        line_count   integer NOT NULL,
        created_at   bigint NOT NULL,
        next_poll_at bigint NOT NULL,
        polls        integer NOT NULL
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
      ALTER TABLE price_overrides ADD COLUMN cache_write_input double precision;
    `,
  },
  {
    version: 5,
    name: 'price overrides: 1-hour cache-write price',
    sql: `
      -- USD per 1M prompt tokens written to the cache with a 1-hour TTL; NULL: the cache-write price.
      ALTER TABLE price_overrides ADD COLUMN cache_write_1h_input double precision;
    `,
  },
  {
    version: 6,
    name: 'batches: the virtual key that created a job',
    sql: `
      -- The store key (virtual_keys.id) a job was created with; NULL for a config key or single-user
      -- mode. Its lines are budgeted and checked by that key's policy (its tier, its allow-list), also
      -- after a restart.
      ALTER TABLE batch_jobs ADD COLUMN key_id text;
    `,
  },
  {
    version: 7,
    name: 'request rollups: unpriced requests',
    sql: `
      -- Requests that used tokens at no known price: their cost is unknown, never zero, so cost_usd
      -- is a lower bound wherever this is above 0. Rows rolled up before this migration count 0.
      ALTER TABLE request_rollup ADD COLUMN unpriced_requests double precision NOT NULL DEFAULT 0;
    `,
  },
];
