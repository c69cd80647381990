/**
 * Two instances on one store and a provider batch the live path takes longer to send than the send
 * grace (batch audit #5): the sender renews its hold on the row while it sends, so the other instance
 * never takes it over and no line reaches the provider twice. On SQLite (one store, two aggregators)
 * and, with SWITCHYARD_TEST_PG_URL, on PostgreSQL (two pools on one schema, as two processes would be).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchService } from '../../src/batch/service.ts';
import { compileConfig, type Snapshot } from '../../src/config/compile.ts';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import type { BatchStore } from '../../src/store/batch-types.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { batchJob } from '../helpers/batch-job.ts';
import { testConfig } from '../helpers/gateway.ts';

const LINES = 8;
/** Much shorter than a send of LINES lines one at a time (~LINES × 120 ms). */
const SEND_GRACE_MS = 300;

let fake: FakeServer;
let dir: string;
const pools = new UpstreamPools();
let snapshot: Snapshot;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-lease-'));
  fake = await startMistralFake({ keys: ['mistral-key'], latency: { firstByteMs: 120, tokenIntervalMs: 0 } });
  snapshot = compileConfig(
    testConfig({
      providers: { mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${fake.url}/v1` } },
      models: { large: { targets: ['mistral/mistral-large-latest'] } },
      batch: {
        flush_interval_s: 0.05,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.05,
        live_concurrency: 1,
        files_dir: join(dir, 'files'),
      },
    }),
    pools,
    1,
  );
});

afterAll(async () => {
  await fake.stop();
  await pools.destroy();
  await rm(dir, { recursive: true, force: true });
});

interface Stores {
  /** One per instance: two connections (pools) to the same database where the store has them. */
  instances: [BatchStore, BatchStore];
  close(): Promise<void>;
}

const pgUrl = process.env.SWITCHYARD_TEST_PG_URL;
const factories: Array<[string, (() => Promise<Stores>) | undefined]> = [
  [
    'sqlite',
    async () => {
      const store = await SqliteStore.open(join(dir, `store-${randomBytes(4).toString('hex')}.db`));
      const batches = store.batches as BatchStore;
      return { instances: [batches, batches], close: () => store.close() };
    },
  ],
  [
    'postgres',
    pgUrl === undefined
      ? undefined
      : async () => {
          const schema = `sy_lease_${process.pid}_${randomBytes(4).toString('hex')}`;
          const admin = new pg.Pool({ connectionString: pgUrl, max: 1 });
          await admin.query(`CREATE SCHEMA ${schema}`);
          const open = () => PostgresStore.open(pgUrl, { pool: { options: `-c search_path=${schema}` } });
          const first = await open();
          const second = await open();
          return {
            instances: [first.batches as BatchStore, second.batches as BatchStore],
            close: async () => {
              await first.close();
              await second.close();
              await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
              await admin.end();
            },
          };
        },
  ],
];

for (const [name, factory] of factories) {
  describe(`a live provider batch slower than the send grace, two instances on one ${name} store`, () => {
    if (factory === undefined) {
      it.skip('needs SWITCHYARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
      return;
    }
    it('stays with its sender, which renews its hold: every line is sent once', async () => {
      const stores = await factory();
      const [batches] = stores.instances;
      const jobId = `batch_slow_${name}`;
      const sentBefore = fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
      const now = Date.now();
      await batches.insertJob(batchJob(jobId, { tenant: '', status: 'in_progress', inProgressAt: now }, now));
      await batches.insertLines(
        Array.from({ length: LINES }, (_, i) => ({
          jobId,
          tenant: '',
          lineNo: i + 1,
          customId: `slow-${i}`,
          target: 'mistral/mistral-large-latest',
          request: JSON.stringify({
            model: 'large',
            max_tokens: 8,
            messages: [{ role: 'user', content: `q${i}` }],
          }),
          status: 'queued' as const,
          result: null,
          queuedAt: now,
        })),
      );
      const instances = stores.instances.map(
        (store) =>
          new BatchService({
            store,
            snapshot: () => snapshot,
            controlPlane: undefined,
            logger: pino({ level: 'silent' }),
            sendGraceMs: SEND_GRACE_MS,
          }),
      );
      for (const instance of instances) await instance.start();
      try {
        let job = await batches.getJob(jobId);
        for (let i = 0; i < 400 && job?.status !== 'completed'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          job = await batches.getJob(jobId);
        }
        expect(job?.status).toBe('completed');
        expect(await batches.jobLineCounts(jobId)).toMatchObject({ succeeded: LINES, pending: 0 });
        const sent = fake.requests.filter((r) => r.path === '/v1/chat/completions').length - sentBefore;
        expect(sent).toBe(LINES);
      } finally {
        for (const instance of instances) await instance.stop();
        await stores.close();
      }
    });
  });
}
