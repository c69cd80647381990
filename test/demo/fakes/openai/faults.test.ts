import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { drain } from '../../../helpers/drain-stream.ts';
import { startFake } from './fake-openai-fixture.ts';

const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'Tell me a story' }] };

describe('fake OpenAI faults, as the SDK sees them', () => {
  it('reset: the SDK reports an APIConnectionError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'reset' } });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fake.requests[0]?.aborted).toBe(false);
  });

  it('stall: nothing comes back until the client aborts, and the request is marked aborted', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const controller = new AbortController();
    const pending = client.chat.completions
      .create(request, { signal: controller.signal })
      .catch((e: unknown) => e);
    await fake.waitForRequests(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    const [record] = await fake.waitFor((rs) => rs[0]?.aborted === true);
    expect(record?.completed).toBe(false);
  });

  it('stall: a client timeout surfaces as APIConnectionTimeoutError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const error = await client.chat.completions.create(request, { timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await fake.waitFor((rs) => rs[0]?.aborted === true);
  });

  it('cut mid-stream: the SDK stream throws after the chunks sent before the cut', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 3 } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toHaveLength(3);
    expect(fake.requests[0]?.aborted).toBe(false);
    expect(fake.requests[0]?.completed).toBe(false);
  });

  it('cut on a non-streamed answer: headers arrive, the body breaks off', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(fake.requests[0]?.status).toBe(200);
  });

  it('stream-error: the in-band error event becomes an APIError after N chunks', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
    expect((failure as Error).message).toContain('The server had an error while processing your request.');
    expect(received).toHaveLength(2);
  });

  it('stream-error on a non-streamed request answers the status instead', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 503 } });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
  });

  it('status: OpenAI default error bodies, retry headers, and the next request is normal', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 2 } });
    const overloaded = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError);
    expect((overloaded as Error).message).toBe(
      '503 The engine is currently overloaded, please try again later.',
    );
    const limited = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('retry-after-ms')).toBe('2000');
    expect(limited.requestID).toMatch(/^req_/);
    await expect(client.chat.completions.create(request)).resolves.toBeDefined();
  });

  it('a per-model script hits only that model', async () => {
    const { client, fake } = await startFake();
    fake.control.setModelScript('gpt-4o', { fault: { kind: 'status', status: 500 } });
    await expect(client.chat.completions.create({ ...request, model: 'gpt-4o' })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    await expect(client.chat.completions.create(request)).resolves.toBeDefined();
    fake.control.setModelScript('gpt-4o', undefined);
    await expect(client.chat.completions.create({ ...request, model: 'gpt-4o' })).resolves.toBeDefined();
  });

  it('a script in the test header applies to that request only', async () => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create(request, {
        headers: { [FAKE_SCRIPT_HEADER]: JSON.stringify({ fault: { kind: 'status', status: 502 } }) },
      })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    await expect(client.chat.completions.create(request)).resolves.toBeDefined();
  });

  it('chaos faults repeat exactly for the same seed', async () => {
    const outcomes = async (): Promise<string[]> => {
      const { client } = await startFake({
        seed: 7,
        chaos: {
          faultRate: 0.5,
          faults: [
            { fault: { kind: 'status', status: 500 }, weight: 2 },
            { fault: { kind: 'status', status: 503 } },
          ],
        },
      });
      const results: string[] = [];
      for (let i = 0; i < 12; i++) {
        const result = await client.chat.completions
          .create(request)
          .catch((e: InstanceType<typeof OpenAI.APIError>) => e);
        results.push(result instanceof OpenAI.APIError ? String(result.status) : 'ok');
      }
      return results;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(first).toContain('ok');
    expect(first.some((o) => o !== 'ok')).toBe(true);
  });
});
