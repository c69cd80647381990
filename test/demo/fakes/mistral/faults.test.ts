import { MistralError } from '@mistralai/mistralai/models/errors';
import { ConnectionError, RequestTimeoutError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { drain } from '../../../helpers/drain-stream.ts';
import { startFake } from './mistral-fixture.ts';

const request = {
  model: 'mistral-small-latest',
  messages: [{ role: 'user' as const, content: 'Tell me a story' }],
};

describe('fake Mistral faults, as the SDK sees them', () => {
  it('status: the provider-shaped body, with retry-after when scripted', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 503, retryAfterSeconds: 2 } });
    const error = await client.chat.complete(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MistralError);
    expect((error as MistralError).statusCode).toBe(503);
    expect((error as MistralError).headers.get('retry-after')).toBe('2');
    expect(JSON.parse((error as MistralError).body)).toMatchObject({
      object: 'error',
      type: 'service_unavailable',
    });
  });

  it('reset: ConnectionError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'reset' } });
    expect(await client.chat.complete(request).catch((e: unknown) => e)).toBeInstanceOf(ConnectionError);
  });

  it('stall: the SDK timeout fires and the fake sees the client leave', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const error = await client.chat.complete(request, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    await fake.waitFor((rs) => rs[0]?.aborted === true);
  });

  it('cut mid-stream: iteration fails after the events sent before the cut', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 3 } });
    const stream = await client.chat.stream(request);
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(TypeError); // fetch's "terminated": the body read broke
    expect(received).toHaveLength(3);
    expect(fake.requests[0]?.completed).toBe(false);
    expect(fake.requests[0]?.aborted).toBe(false);
  });

  it("stream-error: Mistral's error object arrives in-band and the SDK cannot parse it as a chunk", async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const stream = await client.chat.stream(request);
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
  });

  it('stream-error on a non-streamed request answers the status', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 500 } });
    const error = await client.chat.complete(request).catch((e: unknown) => e);
    expect((error as MistralError).statusCode).toBe(500);
  });

  it('a per-request script header scripts the reply', async () => {
    const { client } = await startFake();
    const res = await client.chat.complete(request, {
      headers: { [FAKE_SCRIPT_HEADER]: JSON.stringify({ reply: { content: 'Scripted.' } }) },
    });
    expect(res.choices[0]?.message?.content).toBe('Scripted.');
  });
});
