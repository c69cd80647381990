/** The store contract on node:sqlite, in memory and on a file; then what only the SQLite store does. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteMigrations } from '../../src/store/migrations/sqlite.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchStoreContract } from './batch-store-contract.ts';
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
