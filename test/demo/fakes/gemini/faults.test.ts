import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { drain } from '../../../helpers/drain-stream.ts';
import { startFake } from './fake-gemini-fixture.ts';

const request = { model: 'gemini-2.0-flash', contents: 'Tell me a story' };

/** Gemini's ApiError carries the status and the JSON body as its message. */
function body(error: unknown): {
  error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> };
} {
  return JSON.parse((error as Error).message);
}

describe('fake Gemini faults, as @google/genai sees them', () => {
  it('status 429: RESOURCE_EXHAUSTED with a RetryInfo delay; the next request is normal', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 13 } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    const status = body(error).error;
    expect(status).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(status.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '13s',
    });
    await expect(ai.models.generateContent(request)).resolves.toBeDefined();
  });

  it('status 503: UNAVAILABLE "The model is overloaded"', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(503);
    expect(body(error).error).toEqual({
      code: 503,
      message: 'The model is overloaded. Please try again later.',
      status: 'UNAVAILABLE',
    });
  });

  it('status 500: INTERNAL', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 500 } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect(body(error).error).toMatchObject({ code: 500, status: 'INTERNAL' });
  });

  it('reset: the SDK sees a failed fetch, no ApiError', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'reset' } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(fake.requests[0]?.aborted).toBe(false);
  });

  it('stall: nothing comes back until the client aborts, and the request is marked aborted', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const controller = new AbortController();
    const pending = ai.models
      .generateContent({ ...request, config: { abortSignal: controller.signal } })
      .catch((e: unknown) => e);
    await fake.waitForRequests(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    const [record] = await fake.waitFor((rs) => rs[0]?.aborted === true);
    expect(record?.completed).toBe(false);
  });

  it('cut mid-stream: the SDK throws after the events sent before the cut', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 2 } });
    const { received, failure } = await drain(await ai.models.generateContentStream(request));
    expect(failure).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
    expect(received.every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true);
    expect(fake.requests[0]?.completed).toBe(false);
  });

  it('cut on a non-streamed answer: the body breaks off', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(fake.requests[0]?.status).toBe(200);
  });

  it('stream-error: the in-band google.rpc.Status becomes an ApiError with its code after N events', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 503 } });
    const { received, failure } = await drain(await ai.models.generateContentStream(request));
    expect(received).toHaveLength(2);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(503);
    expect((failure as Error).message).toContain('UNAVAILABLE');
  });

  it('stream-error on a non-streamed request answers the status instead', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 500 } });
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(500);
  });

  it('a per-model script hits only that model; a header script only that request', async () => {
    const { ai, fake } = await startFake();
    fake.control.setModelScript('gemini-2.5-pro', { fault: { kind: 'status', status: 500 } });
    await expect(ai.models.generateContent({ ...request, model: 'gemini-2.5-pro' })).rejects.toBeInstanceOf(
      ApiError,
    );
    await expect(ai.models.generateContent(request)).resolves.toBeDefined();
    const error = await ai.models
      .generateContent({
        ...request,
        config: {
          httpOptions: {
            headers: { [FAKE_SCRIPT_HEADER]: JSON.stringify({ fault: { kind: 'status', status: 504 } }) },
          },
        },
      })
      .catch((e: unknown) => e);
    expect(body(error).error).toMatchObject({ code: 504, status: 'DEADLINE_EXCEEDED' });
    await expect(ai.models.generateContent(request)).resolves.toBeDefined();
  });

  it('a scripted reply is rendered the Gemini way', async () => {
    const { ai, fake } = await startFake();
    fake.control.enqueue({ reply: { toolCalls: [{ name: 'lookup', arguments: '{"q":"x"}' }] } });
    const response = await ai.models.generateContent(request);
    expect(response.functionCalls).toEqual([{ name: 'lookup', args: { q: 'x' } }]);
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('the per-minute quota answers 429 with the seconds left in the window', async () => {
    let now = 1_767_225_600_000 + 47_000;
    const { ai } = await startFake({ requestsPerMinute: 2, clock: () => now });
    await ai.models.generateContent(request);
    await ai.models.generateContent(request);
    const error = await ai.models.generateContent(request).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(429);
    expect(body(error).error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '13s',
    });
    now += 13_000;
    await expect(ai.models.generateContent(request)).resolves.toBeDefined();
  });

  it('chaos faults repeat exactly for the same seed', async () => {
    const outcomes = async (): Promise<string[]> => {
      const { ai } = await startFake({
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
        const result = await ai.models.generateContent(request).catch((e: unknown) => e);
        results.push(result instanceof ApiError ? String(result.status) : 'ok');
      }
      return results;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(first).toContain('ok');
    expect(first.some((o) => o !== 'ok')).toBe(true);
  });
});
