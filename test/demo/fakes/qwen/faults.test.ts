import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFake } from './qwen-fixture.ts';

const request = { model: 'qwen-plus', messages: [{ role: 'user' as const, content: 'Tell me a story' }] };

describe('fake Qwen faults, as the openai SDK sees them', () => {
  it('reset: APIConnectionError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'reset' } });
    expect(await client.chat.completions.create(request).catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
  });

  it('stall: a client timeout, and the fake sees the client leave', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const error = await client.chat.completions.create(request, { timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await fake.waitFor((rs) => rs[0]?.aborted === true);
  });

  it('cut mid-stream: the stream throws after the chunks sent before the cut', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 2 } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const received: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) received.push(chunk);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
  });

  it('cut on a JSON answer: the body breaks off', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    expect(await client.chat.completions.create(request).catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  it('stream-error: an in-band {"error":…} the SDK throws as APIError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const received: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) received.push(chunk);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(received).toHaveLength(2);
  });
});
