/**
 * The PostgreSQL schema, one migration per entry (run by src/store/postgres.ts in one transaction under
 * an advisory lock). Times are epoch ms (bigint) so both dialects return the same numbers; money is
 * double precision (the store is a ledger of sums; the state keeps exact integers for admission).
 * Unqualified names land in the first schema of the connection's search_path.
 */
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
];
