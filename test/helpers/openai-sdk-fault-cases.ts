/**
 * The scripted faults an OpenAI-compatible fake (DeepSeek, Qwen) answers alike, as the official
 * `openai` SDK sees them: a reset, a stall, a cut mid-stream and on a JSON answer, an in-band stream
 * error. A fake's faults.test.ts runs these inside its describe and adds what is its own.
 */
import OpenAI from 'openai';
import { expect, it } from 'vitest';
import type { FakeServer } from '../../src/demo/fakes/shared/fake-server.ts';
import { drain } from './drain-stream.ts';

export interface OpenAICompatibleFake {
  startFake(): Promise<{ fake: FakeServer; client: OpenAI }>;
  model: string;
  /** Chunks sent before the scripted cut. */
  cutAfterChunks: number;
  /** The scripted in-band error's status, and words its message must hold. */
  streamError: { status?: number; messageContains?: string };
}

export function openAISdkFaultCases({
  startFake,
  model,
  cutAfterChunks,
  streamError,
}: OpenAICompatibleFake): void {
  const request = { model, messages: [{ role: 'user' as const, content: 'Tell me a story' }] };

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
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: cutAfterChunks } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toHaveLength(cutAfterChunks);
  });

  it('cut on a JSON answer: the body breaks off', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    expect(await client.chat.completions.create(request).catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  it('stream-error: an in-band {"error":…} the SDK throws as APIError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: streamError.status } });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const { received, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    if (streamError.messageContains !== undefined)
      expect((failure as Error).message).toContain(streamError.messageContains);
    expect(received).toHaveLength(2);
  });
}
