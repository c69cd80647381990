/**
 * A file whose record is in the store but whose bytes are not in this instance's `batch.files_dir`
 * (audit batch.md #8: what a second instance that does not share the directory sees): its content is
 * a clear 404 `file_content_unavailable` (was a 500 internal_error), a batch on it is refused at once,
 * and a job whose intake meets it fails with that code (was the vague `input_unreadable`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchJob } from '../helpers/batch-job.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let fake: FakeServer;
let dir: string;
let gw: TestGateway | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-missing-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: {} });
});

afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

async function startGateway(store: SqliteStore): Promise<TestGateway> {
  return startTestGateway(
    {
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      batch: { flush_interval_s: 0.1, poll_interval_s: 0.02, files_dir: join(dir, 'files') },
    },
    { store },
  );
}

const INPUT = JSON.stringify({
  custom_id: 'a',
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'smart', messages: [{ role: 'user', content: 'hi' }] },
});

describe('a file whose bytes are not in files_dir', () => {
  it('answers its content with 404 file_content_unavailable, and refuses a batch on it', async () => {
    gw = await startGateway(await SqliteStore.open(join(dir, 'store.db')));
    const client = gw.client;
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${INPUT}\n`), 'in.jsonl'),
      purpose: 'batch',
    });
    // What an instance that does not share the directory sees.
    await rm(join(dir, 'files', `${file.id}.jsonl`));

    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
    const content = await client.files.content(file.id).catch((error: unknown) => error);
    expect(content).toBeInstanceOf(OpenAI.NotFoundError);
    expect(content).toMatchObject({ code: 'file_content_unavailable', param: 'file_id' });
    expect((content as Error).message).toContain(file.id);

    const create = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((error: unknown) => error);
    expect(create).toBeInstanceOf(OpenAI.NotFoundError);
    expect(create).toMatchObject({ code: 'file_content_unavailable', param: 'input_file_id' });
    // The operator is told what to fix.
    expect(gw.logs.some((entry) => String(entry.msg).includes('batch.files_dir'))).toBe(true);
  });

  it('fails a job whose intake finds no bytes with file_content_unavailable', async () => {
    // A job another instance accepted, resumed here after a restart, on a directory that lacks its input.
    const store = await SqliteStore.open(join(dir, 'store.db'));
    const now = Date.now();
    await store.batches?.insertFile({
      id: 'file-elsewhere',
      tenant: '',
      purpose: 'batch',
      filename: 'in.jsonl',
      bytes: INPUT.length + 1,
      lines: 1,
      createdAt: now,
    });
    await store.batches?.insertJob(
      batchJob('batch_elsewhere', { tenant: '', inputFileId: 'file-elsewhere' }, now),
    );
    gw = await startGateway(store);
    let job = await gw.client.batches.retrieve('batch_elsewhere');
    for (let i = 0; i < 200 && job.status === 'validating'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = await gw.client.batches.retrieve('batch_elsewhere');
    }
    expect(job.status).toBe('failed');
    expect(job.errors?.data?.[0]).toMatchObject({
      code: 'file_content_unavailable',
      param: 'input_file_id',
    });
  });
});
