// The fake OpenAI's Files + Batch API, proven with the official `openai` SDK.
import { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import type { FakeBatchOptions } from '../../../../src/demo/fakes/openai/batches.ts';
import { startFake } from './fake-openai-fixture.ts';

const NOW_MS = 1_767_225_600_000;

function input(lines: unknown[]): Promise<File> {
  return toFile(Buffer.from(`${lines.map((line) => JSON.stringify(line)).join('\n')}\n`), 'in.jsonl');
}

function request(customId: string, content = 'Hello', extra: Record<string, unknown> = {}) {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content }],
      max_completion_tokens: 20,
      ...extra,
    },
  };
}

describe('fake OpenAI Files + Batch API', () => {
  it('uploads, runs a batch through validating → in_progress → completed, and serves output and error files', async () => {
    let now = NOW_MS;
    const options: FakeBatchOptions = { processingMs: 60_000 };
    const { client } = await startFake({
      keys: ['sk-test-0123456789abcdef'],
      clock: () => now,
      batches: options,
    });
    const file = await client.files.create({
      file: await input([request('a'), request('b'), request('c', 'Hi', { temperature: 5 })]),
      purpose: 'batch',
    });
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      status: 'processed',
      filename: 'in.jsonl',
    });
    expect(await client.files.retrieve(file.id)).toMatchObject({ id: file.id, bytes: file.bytes });

    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { owner: 'test' },
    });
    expect(created.status).toBe('validating');
    expect(created.metadata).toEqual({ owner: 'test' });
    const running = await client.batches.retrieve(created.id);
    expect(running.status).toBe('in_progress');
    expect(running.request_counts).toEqual({ total: 3, completed: 0, failed: 0 });

    now += 60_000;
    const done = await client.batches.retrieve(created.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const output = (await (await client.files.content(done.output_file_id as string)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(output.map((l) => l.custom_id).sort()).toEqual(['a', 'b']);
    expect(output[0].response.status_code).toBe(200);
    expect(output[0].response.body.object).toBe('chat.completion');
    const errors = (await (await client.files.content(done.error_file_id as string)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors[0]).toMatchObject({ custom_id: 'c', response: { status_code: 400 }, error: null });

    const listed = await client.batches.list({ limit: 10 });
    expect(listed.data.map((b) => b.id)).toEqual([created.id]);
  });

  it('fails validation on a duplicate custom_id, naming the line', async () => {
    const { client } = await startFake({ batches: {} });
    const file = await client.files.create({
      file: await input([request('x'), request('x')]),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const failed = await client.batches.retrieve(batch.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]).toMatchObject({ code: 'duplicate_custom_id', line: 2 });
  });

  it('expires a batch on request, every line in the error file as batch_expired', async () => {
    const options: FakeBatchOptions = { expireNext: 1 };
    const { client } = await startFake({ batches: options });
    const file = await client.files.create({ file: await input([request('x')]), purpose: 'batch' });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const expired = await client.batches.retrieve(batch.id);
    expect(expired.status).toBe('expired');
    const text = await (await client.files.content(expired.error_file_id as string)).text();
    expect(JSON.parse(text.trim())).toMatchObject({
      custom_id: 'x',
      response: null,
      error: { code: 'batch_expired' },
    });
    expect(options.expireNext).toBe(0);
  });

  it('cancels: cancelling, then cancelled', async () => {
    const { client } = await startFake({ batches: { processingMs: 3_600_000 } });
    const file = await client.files.create({ file: await input([request('x')]), purpose: 'batch' });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelling');
    expect((await client.batches.retrieve(batch.id)).status).toBe('cancelled');
  });

  it('answers unknown ids with 404 and refuses a wrong purpose', async () => {
    const { client } = await startFake({ batches: {} });
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.files.retrieve('file-nope')).rejects.toMatchObject({ status: 404 });
    await expect(
      client.files.create({ file: await input([request('x')]), purpose: 'nonsense' as 'batch' }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
