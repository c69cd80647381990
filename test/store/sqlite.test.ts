/** The store contract on node:sqlite, in memory and on a file; then what only the SQLite store does. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteMigrations } from '../../src/store/migrations/sqlite.ts';
import { REQUEST_ROLLUP_SUMS_V2, requestRollupValues, rollupsOf } from '../../src/store/request-log.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchStoreContract } from './batch-store-contract.ts';
import { requestRow } from './request-rows.ts';
import { keyRecord, storeContract } from './store-contract.ts';

const folder = mkdtempSync(join(tmpdir(), 'sy-sqlite-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function freshFile(): string {
  files += 1;
  return join(folder, `nested-${files}`, 'store.db');
}

storeContract('sqlite (memory)', async () => ({ store: await SqliteStore.open(':memory:') }), {
  skip: { reopen: 'an in-memory database ends with its connection' },
});

storeContract('sqlite (file)', async () => {
  const path = freshFile();
  return { store: await SqliteStore.open(path), reopen: () => SqliteStore.open(path) };
});

describe('SqliteStore', () => {
  it('creates the folder and the file on first start, in WAL mode', async () => {
    const path = freshFile();
    const store = await SqliteStore.open(path);
    await store.insertKey(keyRecord('key_wal'));
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
  });

  it('applies a later migration once, on the next start, over the existing data', async () => {
    const path = freshFile();
    const first = await SqliteStore.open(path);
    await first.insertKey(keyRecord('key_before'));
    await first.close();

    // A migration without IF NOT EXISTS: running it twice would fail the second start.
    const grown = [
      ...sqliteMigrations,
      { version: sqliteMigrations.length + 1, name: 'test table', sql: 'CREATE TABLE grown (id TEXT)' },
    ];
    const second = await SqliteStore.open(path, { migrations: grown });
    await second.close();
    const third = await SqliteStore.open(path, { migrations: grown });
    expect(await third.getKey('key_before')).toEqual(keyRecord('key_before'));
    await third.close();
  });

  it('adds the unpriced-requests rollup column to a store made before it (migration 7)', async () => {
    // A version-6 file as a store of that release left it (this release's store cannot run on it), with
    // a rollup row already in it.
    const path = freshFile();
    mkdirSync(dirname(path), { recursive: true });
    const v6 = new DatabaseSync(path);
    v6.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const migration of sqliteMigrations.filter((m) => m.version <= 6)) {
      v6.exec(migration.sql);
      v6.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 0);
    }
    const old = rollupsOf([requestRow('req_old', { costUsd: null })]).requests.filter(
      (r) => r.bucketMs === 60_000,
    );
    for (const r of old)
      v6.prepare(
        `INSERT INTO request_rollup (bucket_ms, bucket_start, provider, model, status_class, ${REQUEST_ROLLUP_SUMS_V2.join(', ')})
         VALUES (${['?', '?', '?', '?', '?', ...REQUEST_ROLLUP_SUMS_V2.map(() => '?')].join(', ')})`,
      ).run(
        r.bucketMs,
        r.bucketStart,
        r.provider,
        r.model,
        r.statusClass,
        ...requestRollupValues(r).slice(0, -1),
      );
    v6.close();

    const after = await SqliteStore.open(path);
    await after.insertRequests([requestRow('req_unpriced', { costUsd: null })]);
    const rollups = await after.requestRollups({
      bucketMs: 60_000,
      fromMs: 0,
      toMs: Number.MAX_SAFE_INTEGER,
    });
    // The old row counts 0 (the column's default), the new one 1: both in the same rollup row.
    expect(rollups.requests.map((r) => [r.requests, r.unpricedRequests])).toEqual([[2, 1]]);
    await after.close();
  });

  it('shares one change sequence between two connections to one file (two workers)', async () => {
    const path = freshFile();
    const a = await SqliteStore.open(path);
    const b = await SqliteStore.open(path);
    await a.insertKey(keyRecord('key_from_a'));
    const { cursor } = await b.keysChangedSince(0);
    await b.insertKey(keyRecord('key_from_b'));
    await a.revokeKey('key_from_a', 1);
    const changes = await a.keysChangedSince(cursor);
    expect(changes.keys.map((key) => key.id)).toEqual(['key_from_b', 'key_from_a']);
    await a.close();
    await b.close();
  });

  it('rolls a failed migration back whole', async () => {
    const path = freshFile();
    const broken = [
      ...sqliteMigrations,
      {
        version: sqliteMigrations.length + 1,
        name: 'half broken',
        sql: 'CREATE TABLE half (id TEXT); CREATE TABLE half (id TEXT);',
      },
    ];
    await expect(SqliteStore.open(path, { migrations: broken })).rejects.toThrow(/already exists/);
    // Nothing of it stayed, not even version 1: the fixed list applies cleanly.
    const fixed = [
      ...sqliteMigrations,
      { version: sqliteMigrations.length + 1, name: 'fixed', sql: 'CREATE TABLE half (id TEXT)' },
    ];
    const store = await SqliteStore.open(path, { migrations: fixed });
    await store.insertKey(keyRecord('key_after_fix'));
    await store.close();
  });
});

batchStoreContract('sqlite (memory)', () => SqliteStore.open(':memory:'));
