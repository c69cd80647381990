/**
 * The SQLite schema, one migration per entry (run by src/store/sqlite.ts inside `BEGIN IMMEDIATE`).
 * Times are epoch ms (INTEGER); money is REAL (the store is a ledger of sums; the state keeps exact
 * integers for admission).
 */
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
];
