/**
 * The foundation contract end to end (issue 3): the real server on an ephemeral port, the fake OpenAI
 * upstream behind it, and the official `openai` SDK as the client.
 */
import { createServer, type Server, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

let fake: FakeServer;
let backup: FakeServer;
let gw: TestGateway;
// Accepts TCP connections and never says a word: a TLS handshake against it can only time out.
let silent: Server;
const silentSockets = new Set<Socket>();

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-primary'] });
  backup = await startFakeOpenAI({ keys: ['sk-backup'] });
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  gw = await startTestGateway({
    providers: {
      primary: {
        type: 'openai',
        keys: ['sk-primary'],
        base_url: `${fake.url}/v1`,
        first_byte_timeout_ms: 400,
        timeout_ms: 400,
      },
      backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
      compat: { type: 'openai-compatible', keys: ['sk-primary'], base_url: `${fake.url}/v1` },
      gappy: { type: 'openai', keys: ['sk-primary'], base_url: `${fake.url}/v1`, idle_timeout_ms: 300 },
      unreachable: {
        type: 'openai',
        keys: ['sk-x'],
        base_url: `https://127.0.0.1:${silentPort}/v1`,
        connect_timeout_ms: 300,
      },
    },
    models: {
      smart: { strategy: 'fallback', targets: ['primary/gpt-4.1', 'backup/gpt-4.1-mini'] },
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
  await backup?.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

beforeEach(() => {
  fake.control.clear();
  backup.control.clear();
});

describe('non-streaming', () => {
  it('serves a completion through a provider/model name, with the contract headers', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.model).toMatch(/^gpt-4\.1/);
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
    expect(response.headers.get('x-switchyard-provider')).toBe('primary');
    expect(response.headers.get('x-switchyard-model')).toBe(data.model);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-cache')).toBe('BYPASS');
  });

  it('sends the upstream the target model and the provider key, not the client key', async () => {
    const before = fake.requests.length;
    await gw.client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    const sent = fake.requests[before];
    expect((sent?.body as { model?: string } | undefined)?.model).toBe('gpt-4.1');
    expect(sent?.headers.authorization).toBe('Bearer sk-primary');
  });

  it('passes fields it does not translate through to an OpenAI upstream untouched', async () => {
    const before = fake.requests.length;
    await gw.client.chat.completions.create({
      model: 'primary/gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      service_tier: 'flex',
      store: false,
      prediction: { type: 'content', content: 'hello' },
    });
    const body = fake.requests[before]?.body as Record<string, unknown>;
    expect(body.service_tier).toBe('flex');
    expect(body.store).toBe(false);
    expect(body.prediction).toEqual({ type: 'content', content: 'hello' });
  });

  it('forwards even fields unknown to it, so the upstream decides (OpenAI itself rejects them)', async () => {
    const error = await gw.client.chat.completions
      .create({
        model: 'primary/gpt-4.1',
        messages: [{ role: 'user', content: 'hi' }],
        // @ts-expect-error a field newer than this SDK's types
        future_field: { keep: true },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('future_field');
  });

  it('forwards fields it does not know to an openai-compatible upstream, never dropping them', async () => {
    // vLLM, Ollama and friends take sampling fields OpenAI does not (top_k, repetition_penalty, ...).
    const before = fake.requests.length;
    await gw.client.chat.completions
      .create({
        model: 'compat/llama-3.3-70b',
        messages: [{ role: 'user', content: 'hi' }],
        // @ts-expect-error fields of a self-hosted server, not in OpenAI's types
        top_k: 40,
        repetition_penalty: 1.1,
        guided_choice: ['yes', 'no'],
      })
      // The fake is OpenAI and refuses them; what matters is that they reached it.
      .catch(() => undefined);
    const body = fake.requests[before]?.body as Record<string, unknown>;
    expect(body.model).toBe('llama-3.3-70b');
    expect(body.top_k).toBe(40);
    expect(body.repetition_penalty).toBe(1.1);
    expect(body.guided_choice).toEqual(['yes', 'no']);
  });

  it('returns tool calls', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'primary/gpt-4.1',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('falls over to the next target when the first answers 500 twice, invisibly', async () => {
    // The first 500 gets one quick retry of the same target (retry.same_target_retries), the second a fallback.
    fake.control.enqueue({ fault: { kind: 'status', status: 500 } }, 2);
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
  });
});

describe('streaming', () => {
  it('reassembles to the same message as the non-streaming answer, with a final usage chunk when asked', async () => {
    const request = {
      model: 'primary/gpt-4.1',
      messages: [{ role: 'user' as const, content: 'Tell me a short story' }],
    };
    const plain = await gw.client.chat.completions.create(request);
    const stream = gw.client.chat.completions.stream({ ...request, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(final.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(plain.usage?.completion_tokens);
  });

  it('leaves the usage chunk out when the client did not ask for it', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'primary/gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.some((chunk) => chunk.choices.length === 0)).toBe(false);
  });

  it('streams tool calls that reassemble into valid arguments', async () => {
    const stream = gw.client.chat.completions.stream({
      model: 'primary/gpt-4.1',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('falls over invisibly when the stream fails before its first byte', async () => {
    fake.control.enqueue({ fault: { kind: 'reset' } }, 2);
    const { data: stream, response } = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
  });

  it('ends with an error event, never a normal finish, when the stream breaks after its first byte', async () => {
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 3 } });
    const stream = await gw.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'Tell me a long story please' }],
      stream: true,
    });
    const finishes: Array<string | null | undefined> = [];
    await expect(
      (async () => {
        for await (const chunk of stream) finishes.push(chunk.choices[0]?.finish_reason);
      })(),
    ).rejects.toThrow(/failed after it started/);
    expect(finishes.filter(Boolean)).toEqual([]);
    await waitFor(() =>
      gw.logs.some((line) => (line.error as { code?: string } | null)?.code === 'upstream_stream_error'),
    );
  });

  it('aborts the upstream request when the client disconnects', async () => {
    // Sentences: output moderation (on by default, issue 15) releases text at sentence ends.
    fake.control.enqueue({ tokenIntervalMs: 50, reply: { content: 'Word. '.repeat(200) } });
    const before = fake.requests.length;
    const controller = new AbortController();
    const stream = await gw.client.chat.completions.create(
      { model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    await waitFor(() => fake.requests[before]?.aborted === true, 5000, 'upstream request aborted');
  });
});

describe('upstream errors', () => {
  it('passes an upstream 4xx through as an OpenAI error with its status, message, code and param', async () => {
    fake.control.enqueue({
      fault: {
        kind: 'status',
        status: 400,
        body: {
          error: {
            message: 'Invalid value for temperature.',
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'invalid_value',
          },
        },
      },
    });
    const error = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.message).toContain('Invalid value for temperature.');
    expect(apiError.code).toBe('invalid_value');
    expect(apiError.param).toBe('temperature');
    // A client error is never retried elsewhere.
    expect(apiError.headers?.get('x-switchyard-attempts')).toBe('1');
  });

  it('maps an upstream 5xx with no fallback left to 502', async () => {
    // A direct name retries a 5xx once (retry.retry_direct_models: 1), so the second failure is answered.
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    const error = await gw.client.chat.completions
      .create({ model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });

  it('maps an upstream that never answers to 504 once its timeout passes', async () => {
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const error = await gw.client.chat.completions
      .create({ model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });

  it('maps a connect timeout (a TLS handshake that never completes) to 504', async () => {
    const error = await gw.client.chat.completions
      .create({ model: 'unreachable/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/timed out connecting/);
  });

  it('ends a stream whose upstream falls silent between chunks with an error, never a normal finish', async () => {
    // Chunks every 1.5 s against an idle timeout of 300 ms: the first gap is fatal.
    fake.control.enqueue({ tokenIntervalMs: 1500, reply: { content: 'one two three four' } });
    const before = fake.requests.length;
    const finishes: Array<string | null | undefined> = [];
    const failure = await (async () => {
      const stream = await gw.client.chat.completions.create({
        model: 'gappy/gpt-4.1',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const chunk of stream) finishes.push(chunk.choices[0]?.finish_reason);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(finishes.filter(Boolean)).toEqual([]);
    // The gateway gave up on the upstream rather than waiting out its slow answer.
    await waitFor(() => fake.requests[before]?.aborted === true, 5000, 'upstream request aborted');
    await waitFor(() =>
      gw.logs.some(
        (line) =>
          line.model === 'gappy/gpt-4.1' &&
          /timed out between stream chunks/.test((line.error as { message?: string } | null)?.message ?? ''),
      ),
    );
  });

  it('maps a 429 with no fallback left to 429 with retry-after', async () => {
    // Longer than retry.max_wait_ms: the gateway does not wait it out, the client gets it at once.
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
    const error = await gw.client.chat.completions
      .create({ model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
  });
});
