// The fake Anthropic's Message Batches, proven with the official `@anthropic-ai/sdk`.
import { describe, expect, it } from 'vitest';
import type { FakeMessageBatchOptions } from '../../../../src/demo/fakes/anthropic/batches.ts';
import { NOW_MS, startFake } from './fake-anthropic-fixture.ts';

const params = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-5-5',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('fake Anthropic Message Batches', () => {
  it('creates, stays in_progress until processed, ends with results by custom_id', async () => {
    let now = NOW_MS;
    const { client } = await startFake({ clock: () => now, batches: { processingMs: 30_000 } });
    const batch = await client.messages.batches.create({
      requests: [
        { custom_id: 'r1', params: params('Hello') },
        { custom_id: 'r2', params: params('Hi', { temperature: 7 }) },
      ],
    });
    expect(batch).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      results_url: null,
    });
    expect(batch.request_counts).toEqual({
      processing: 2,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    now += 30_000;
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toMatchObject({ processing: 0, succeeded: 1, errored: 1 });
    expect(ended.results_url).toMatch(/\/v1\/messages\/batches\/.+\/results$/);
    const results = await collect(await client.messages.batches.results(batch.id));
    const byId = new Map(results.map((r) => [r.custom_id, r.result]));
    expect(byId.get('r1')?.type).toBe('succeeded');
    const message = byId.get('r1');
    if (message?.type === 'succeeded')
      expect(message.message.content.some((block) => block.type === 'text')).toBe(true);
    expect(byId.get('r2')).toMatchObject({
      type: 'errored',
      error: { error: { type: 'invalid_request_error' } },
    });
    const page = await client.messages.batches.list({ limit: 5 });
    expect(page.data.map((b) => b.id)).toEqual([batch.id]);
  });

  it('expires and cancels on request', async () => {
    const options: FakeMessageBatchOptions = { expireNext: 1, processingMs: 0 };
    const { client } = await startFake({ batches: options });
    const expired = await client.messages.batches.create({
      requests: [{ custom_id: 'e', params: params('x') }],
    });
    const results = await collect(await client.messages.batches.results(expired.id));
    expect(results[0]?.result.type).toBe('expired');

    options.processingMs = 3_600_000;
    const slow = await client.messages.batches.create({
      requests: [{ custom_id: 'c', params: params('x') }],
    });
    expect((await client.messages.batches.cancel(slow.id)).processing_status).toBe('canceling');
    const ended = await client.messages.batches.retrieve(slow.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts.canceled).toBe(1);
  });

  it('refuses bad and duplicate custom ids, and unknown batches', async () => {
    const { client } = await startFake({ batches: {} });
    await expect(
      client.messages.batches.create({ requests: [{ custom_id: 'has space', params: params('x') }] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      client.messages.batches.create({
        requests: [
          { custom_id: 'd', params: params('x') },
          { custom_id: 'd', params: params('y') },
        ],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.messages.batches.retrieve('msgbatch_nope')).rejects.toMatchObject({ status: 404 });
  });
});
