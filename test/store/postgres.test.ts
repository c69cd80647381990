/**
 * The store contract on a real PostgreSQL. Needs SWITCHYARD_TEST_PG_URL (e.g.
 * postgres://postgres@127.0.0.1:5432/test). Every store gets its own schema (`sy_test_<run>_<n>`, set as
 * the pool's search_path), dropped after the run, so parallel runs never collide.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../src/store/migrations/postgres.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres.ts';
import { batchStoreContract } from './batch-store-contract.ts';
import { keyRecord, storeContract } from './store-contract.ts';

const url = process.env.SWITCHYARD_TEST_PG_URL;

if (url === undefined) {
  describe('Store contract: postgres', () => {
    it.skip('needs SWITCHYARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
  });
  console.log('[store contract: postgres] skipped: SWITCHYARD_TEST_PG_URL is not set');
} else {
  const run = `sy_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const schemas: string[] = [];

  async function freshSchema(): Promise<string> {
    const schema = `${run}_${schemas.length}`;
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    return schema;
  }

  function openIn(schema: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    return PostgresStore.open(url as string, { ...options, pool: { options: `-c search_path=${schema}` } });
  }

  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  storeContract('postgres', async () => {
    const schema = await freshSchema();
    return { store: await openIn(schema), reopen: () => openIn(schema) };
  });

  batchStoreContract('postgres', async () => openIn(await freshSchema()));

  describe('PostgresStore', () => {
    it('migrates once when two instances start at the same time', async () => {
      const schema = await freshSchema();
      const [a, b, c] = await Promise.all([openIn(schema), openIn(schema), openIn(schema)]);
      const { rows } = await admin.query(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      );
      expect(rows).toEqual(postgresMigrations.map(({ version, name }) => ({ version, name })));
      await a?.insertKey(keyRecord('key_seen_by_all'));
      expect((await b?.getKey('key_seen_by_all'))?.id).toBe('key_seen_by_all');
      expect((await c?.keysChangedSince(0))?.keys.map((key) => key.id)).toEqual(['key_seen_by_all']);
      await Promise.all([a?.close(), b?.close(), c?.close()]);
    });

    it('applies a later migration once, on the next start, over the existing data', async () => {
      const schema = await freshSchema();
      const first = await openIn(schema);
      await first.insertKey(keyRecord('key_before'));
      await first.close();
      // Without IF NOT EXISTS: running it twice would fail the second start.
      const next = Math.max(...postgresMigrations.map((migration) => migration.version)) + 1;
      const grown = [
        ...postgresMigrations,
        { version: next, name: 'test table', sql: 'CREATE TABLE grown (id text)' },
      ];
      const [second, third] = await Promise.all([
        openIn(schema, { migrations: grown }),
        openIn(schema, { migrations: grown }),
      ]);
      expect(await second.getKey('key_before')).toEqual(keyRecord('key_before'));
      const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      expect(rows.map((row) => row.version)).toEqual(grown.map((migration) => migration.version));
      await Promise.all([second.close(), third.close()]);
    });

    it('rolls a failed migration back whole and releases its connections', async () => {
      const schema = await freshSchema();
      const broken = [
        ...postgresMigrations,
        {
          version: postgresMigrations.length + 1,
          name: 'broken',
          sql: 'CREATE TABLE nope (id no_such_type)',
        },
      ];
      await expect(openIn(schema, { migrations: broken })).rejects.toThrow(/no_such_type/);
      const { rows } = await admin.query(
        'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      expect(rows[0].n).toBe(0);
    });

    it('orders key changes from two instances so a poller between them misses none', async () => {
      const schema = await freshSchema();
      const a = await openIn(schema);
      const b = await openIn(schema);
      let cursor = 0;
      const seen: string[] = [];
      const writes = Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).insertKey(keyRecord(`key_p${i}`, { createdAt: i })),
      );
      // Poll while the writes land; every key must arrive exactly once.
      let settled = false;
      const all = Promise.all(writes).then(() => {
        settled = true;
      });
      while (!settled) {
        const changes = await a.keysChangedSince(cursor);
        cursor = changes.cursor;
        seen.push(...changes.keys.map((key) => key.id));
      }
      await all;
      const rest = await b.keysChangedSince(cursor);
      seen.push(...rest.keys.map((key) => key.id));
      expect([...seen].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `key_p${i}`).sort());
      await Promise.all([a.close(), b.close()]);
    });

    it('fails a transaction whose connection drops, without crashing the process, and recovers', async () => {
      const schema = await freshSchema();
      const target = new URL(url as string);
      // A proxy that can stop relaying (PostgreSQL unreachable) and then cut every connection (a failover).
      let relaying = true;
      const sockets = new Set<Socket>();
      const proxy = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => sockets.delete(socket));
        }
        client.on('data', (data) => relaying && upstream.write(data));
        upstream.on('data', (data) => relaying && client.write(data));
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const port = (proxy.address() as { port: number }).port;
      const proxied = new URL(url as string);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      const store = await PostgresStore.open(proxied.toString(), {
        pool: { options: `-c search_path=${schema}` },
      });
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        relaying = false;
        // revokeKey runs in a transaction: its connection is checked out when the socket drops.
        const pending = store.revokeKey('key_in_flight', Date.now());
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const socket of sockets) socket.destroy();
        await expect(pending).rejects.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(uncaught).toEqual([]);
        relaying = true;
        await store.insertKey(keyRecord('key_after_the_drop'));
        expect((await store.getKey('key_after_the_drop'))?.id).toBe('key_after_the_drop');
      } finally {
        process.off('uncaughtException', onUncaught);
        await store.close();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });
}
