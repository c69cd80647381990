/**
 * The Batch API on a PostgreSQL store (issue 16: "PostgreSQL at scale"): two gateways on one store,
 * jobs of two tenants through either, one provider batch, every line answered once. Needs
 * SWITCHYARD_TEST_PG_URL; each run uses a schema of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const url = process.env.SWITCHYARD_TEST_PG_URL;

if (url === undefined) {
  describe('Batch API on PostgreSQL', () => {
    it.skip('needs SWITCHYARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
  });
  console.log('[batches on postgres] skipped: SWITCHYARD_TEST_PG_URL is not set');
} else {
  const schema = `sy_batch_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  const KEYS = { north: 'sk-sy-north', south: 'sk-sy-south' };
  let fake: FakeServer;
  let dir: string;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${schema}`);
    dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-pg-'));
    fake = await startFakeOpenAI({ keys: ['sk-up'], batches: {} });
    for (let i = 0; i < 2; i++) {
      const store = await PostgresStore.open(url, { pool: { options: `-c search_path=${schema}` } });
      gateways.push(
        await startTestGateway(
          {
            providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
            models: { smart: { targets: ['openai/gpt-4.1'] } },
            tenants: { north: { keys: [KEYS.north] }, south: { keys: [KEYS.south] } },
            batch: {
              flush_interval_s: 0.5,
              poll_interval_s: 0.05,
              max_poll_interval_s: 0.1,
              // One folder for both, as instances would share a volume.
              files_dir: join(dir, 'files'),
            },
          },
          { store },
        ),
      );
    }
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await fake?.stop();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  describe('Batch API on PostgreSQL', () => {
    it('aggregates jobs sent to two instances into one provider batch, each line answered once', async () => {
      const client = (gateway: TestGateway, key: string) =>
        new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
      const north = client(gateways[0] as TestGateway, KEYS.north);
      const south = client(gateways[1] as TestGateway, KEYS.south);
      const submit = async (openai: OpenAI, prefix: string) => {
        const lines = [1, 2, 3].map((i) =>
          JSON.stringify({
            custom_id: `same-${i}`,
            method: 'POST',
            url: '/v1/chat/completions',
            body: { model: 'smart', max_tokens: 8, messages: [{ role: 'user', content: `${prefix} ${i}` }] },
          }),
        );
        const file = await openai.files.create({
          file: await toFile(Buffer.from(lines.join('\n')), 'in.jsonl'),
          purpose: 'batch',
        });
        return openai.batches.create({
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        });
      };
      const [a, b] = await Promise.all([submit(north, 'north'), submit(south, 'south')]);
      const settle = async (openai: OpenAI, id: string) => {
        let batch = await openai.batches.retrieve(id);
        for (let i = 0; i < 400 && batch.status !== 'completed'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          batch = await openai.batches.retrieve(id);
        }
        return batch;
      };
      const [doneA, doneB] = await Promise.all([settle(north, a.id), settle(south, b.id)]);
      expect(doneA.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      expect(doneB.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(1);
      // The other instance serves the same job: the store and the files folder are shared.
      const fromOther = client(gateways[1] as TestGateway, KEYS.north);
      const text = await (await fromOther.files.content(doneA.output_file_id as string)).text();
      expect(
        text
          .trim()
          .split('\n')
          .map((row) => (JSON.parse(row) as { custom_id: string }).custom_id)
          .sort(),
      ).toEqual(['same-1', 'same-2', 'same-3']);
      await expect(fromOther.batches.retrieve(b.id)).rejects.toMatchObject({ status: 404 });
    });
  });
}
