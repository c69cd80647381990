/**
 * A stalled store never slows or fails a request (issue 12): with the store's write lock held by someone
 * else (SQLite: another connection's BEGIN IMMEDIATE; PostgreSQL: another session's ACCESS EXCLUSIVE
 * lock on the request log), requests are answered as usual, the request log queues up to
 * `logging.queue_size`, the rest is dropped and counted, and once the lock goes the queued rows are
 * written: stored + dropped = answered. Latency figures are bench/store-stall.ts's, in docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-store-stall-0123456789';
const QUEUE = 100;
const SENT = 160;
const folder = mkdtempSync(join(tmpdir(), 'sy-stall-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Stall {
  hold(): Promise<void>;
  release(): Promise<void>;
}

async function stalledRun(store: Store, stall: Stall): Promise<void> {
  const fake = await startFakeOpenAI({ keys: ['sk-up'] });
  const gw = await startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { chat: { targets: ['openai/gpt-4.1'] } },
      logging: { queue_size: QUEUE },
    },
    { store },
  );
  try {
    await stall.hold();
    const statuses: number[] = [];
    for (let i = 0; i < SENT; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () =>
          gw.client.chat.completions
            .create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
            .withResponse()
            .then(({ response }) => response.status),
        ),
      );
      statuses.push(...batch);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(SENT);
    // The log line is written after the response ends; wait until every request has been recorded.
    const writer = gw.gateway.controlPlane.spend;
    const recorded = () => gw.logs.filter((line) => line.msg === 'request').length;
    for (let i = 0; i < 200 && recorded() < SENT; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(recorded()).toBe(SENT);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const dropped = Number(
      metrics.match(/^switchyard_store_dropped_total\{queue="requests",reason="queue_full"\} (\S+)$/m)?.[1],
    );
    expect(dropped).toBe(SENT - QUEUE);
    expect(writer?.queuedRequests).toBe(QUEUE);
    expect(metrics).toMatch(new RegExp(`^switchyard_store_queue_rows\\{queue="requests"\\} ${QUEUE}$`, 'm'));

    await stall.release();
    await writer?.flush();
    const stored = await store.queryRequests({ limit: 1000 });
    expect(stored).toHaveLength(QUEUE);
    expect(stored.length + dropped).toBe(SENT);
  } finally {
    await stall.release().catch(() => {});
    await gw.stop();
    await fake.stop();
  }
}

describe('the store stalled', () => {
  it('SQLite busy (another connection holds the write lock): requests answered, rows dropped and counted', async () => {
    const path = join(folder, 'stall.db');
    const store = await SqliteStore.open(path);
    let holder: DatabaseSync | undefined;
    await stalledRun(store, {
      async hold() {
        holder = new DatabaseSync(path);
        holder.exec('BEGIN IMMEDIATE');
      },
      async release() {
        if (holder?.isOpen !== true) return;
        holder.exec('ROLLBACK');
        holder.close();
      },
    });
  });

  const url = process.env.SWITCHYARD_TEST_PG_URL;
  it.skipIf(url === undefined)(
    'PostgreSQL locked (ACCESS EXCLUSIVE on request_log): requests answered, rows dropped and counted',
    async () => {
      const schema = `sy_stall_${process.pid}_${randomBytes(3).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const store = await PostgresStore.open(url as string, {
        pool: { options: `-c search_path=${schema}` },
      });
      const locker = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await locker.connect();
      let held = false;
      try {
        await stalledRun(store, {
          async hold() {
            await locker.query('BEGIN');
            await locker.query('LOCK TABLE request_log IN ACCESS EXCLUSIVE MODE');
            held = true;
          },
          async release() {
            if (!held) return;
            held = false;
            await locker.query('ROLLBACK');
          },
        });
      } finally {
        await locker.end();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    },
  );
  if (url === undefined) console.log('[store stalled: postgres] skipped: SWITCHYARD_TEST_PG_URL is not set');
});
