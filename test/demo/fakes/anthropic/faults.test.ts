import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { API_KEY, MODEL, post, startFake } from './fake-anthropic-fixture.ts';

const request = {
  model: MODEL,
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Tell me a story' }],
};

async function collect(
  stream: AsyncIterable<Anthropic.MessageStreamEvent>,
): Promise<{ events: string[]; failure: unknown }> {
  const events: string[] = [];
  const failure = await (async () => {
    for await (const event of stream) events.push(event.type);
  })().catch((e: unknown) => e);
  return { events, failure };
}

describe('fake Anthropic faults, as the SDK sees them', () => {
  it('status 529: OverloadedError (an APIError with status 529, type overloaded_error)', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 529 } });
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as Error).constructor.name).toBe('OverloadedError');
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect((error as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_011C/);
  });

  it('status 429 with retry-after: RateLimitError, and the SDK waits and retries', async () => {
    const { fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 0 } });
    const client = new Anthropic({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 1 });
    const message = await client.messages.create(request);
    expect(message.type).toBe('message');
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);

    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 7 } });
    const noRetry = new Anthropic({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0 });
    const error = await noRetry.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('7');
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).type).toBe('rate_limit_error');
  });

  it.each([
    [400, Anthropic.BadRequestError, 'invalid_request_error'],
    [401, Anthropic.AuthenticationError, 'authentication_error'],
    [402, Anthropic.PaymentRequiredError, 'billing_error'],
    [403, Anthropic.PermissionDeniedError, 'permission_error'],
    [404, Anthropic.NotFoundError, 'not_found_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [504, Anthropic.GatewayTimeoutError, 'timeout_error'],
  ])('status %i: %o with type %s', async (status, errorClass, type) => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status } });
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, type });
  });

  it('the rate limiter: 429 with retry-after and anthropic-ratelimit headers once the RPM is spent', async () => {
    let now = 1_767_225_600_000;
    const { client } = await startFake({ rateLimits: { requestsPerMinute: 2 }, clock: () => now });
    await client.messages.create(request);
    await client.messages.create(request);
    const error = (await client.messages.create(request).catch((e: unknown) => e)) as InstanceType<
      typeof Anthropic.RateLimitError
    >;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.message).toContain('rate limit of 2 requests per minute');
    expect(error.headers.get('retry-after')).toBe('30');
    expect(error.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(error.headers.get('anthropic-ratelimit-requests-reset')).toBe('2026-01-01T00:01:00Z');
    now += 30_000;
    expect((await client.messages.create(request)).type).toBe('message');
  });

  it('output tokens are held at max_tokens while a request runs, then settled', async () => {
    const { client } = await startFake({ rateLimits: { outputTokensPerMinute: 1000 } });
    const error = await client.messages.create({ ...request, max_tokens: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const { response } = await client.messages.create({ ...request, max_tokens: 900 }).withResponse();
    expect(Number(response.headers.get('anthropic-ratelimit-output-tokens-remaining'))).toBe(100);
    const second = await client.messages.create({ ...request, max_tokens: 900 }).withResponse();
    expect(second.data.type).toBe('message');
  });

  it('reset: the SDK reports an APIConnectionError', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'reset' } });
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(fake.requests[0]?.aborted).toBe(false);
  });

  it('stall: nothing comes back until the client aborts', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const controller = new AbortController();
    const pending = client.messages.create(request, { signal: controller.signal }).catch((e: unknown) => e);
    await fake.waitForRequests(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(Anthropic.APIUserAbortError);
    await fake.waitFor((rs) => rs[0]?.aborted === true);
  });

  it('cut mid-stream: the SDK stream fails after the events sent before the cut', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 4 } });
    const { events, failure } = await collect(await client.messages.create({ ...request, stream: true }));
    expect(failure).toBeInstanceOf(Error);
    // The ping among the four records is not an event the SDK hands out.
    expect(events).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(fake.requests[0]?.completed).toBe(false);
  });

  it('cut on a non-streamed answer: headers arrive, the body breaks off', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(fake.requests[0]?.status).toBe(200);
  });

  it('stream-error: an `event: error` after HTTP 200 becomes an APIError with the error type', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 3, status: 529 } });
    const stream = client.messages.stream(request);
    const failure = await stream.finalMessage().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as Error).message).toContain('overloaded_error');
    const raw = await post(
      fake,
      { ...request, stream: true },
      {
        'x-api-key': API_KEY,
        'anthropic-version': '2023-06-01',
        [FAKE_SCRIPT_HEADER]: JSON.stringify({
          fault: { kind: 'stream-error', afterChunks: 2, status: 500 },
        }),
      },
    );
    expect(raw.status).toBe(200);
    expect(raw.text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Internal server error"\},"request_id":"req_011C\w+"\}\n\n$/,
    );
  });

  it('stream-error on a non-streamed request answers the status', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, type: 'api_error' });
  });

  it('down and up: connection refused, then served again on the same port', async () => {
    const { client, fake } = await startFake();
    await fake.down();
    expect(await client.messages.create(request).catch((e: unknown) => e)).toBeInstanceOf(
      Anthropic.APIConnectionError,
    );
    await fake.up();
    expect((await client.messages.create(request)).type).toBe('message');
  });

  it('chaos: a seeded share of requests fails, the same ones for the same seed', async () => {
    const outcomes = async () => {
      const { client } = await startFake({
        seed: 7,
        chaos: { faultRate: 0.5, faults: [{ fault: { kind: 'status', status: 529 } }] },
      });
      const results: number[] = [];
      for (let i = 0; i < 12; i++) {
        const result = await client.messages.create(request).then(
          () => 200,
          (e: { status?: number }) => e.status ?? 0,
        );
        results.push(result);
      }
      return results;
    };
    const first = await outcomes();
    expect(first).toContain(529);
    expect(first).toContain(200);
    expect(await outcomes()).toEqual(first);
  });
});
