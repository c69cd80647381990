/**
 * The adapter against the fake Anthropic, no gateway in between: toRequest builds the upstream
 * request, undici sends it, fromResponse / the stream translator read the answer, classifyError the
 * failures. The fake rejects what the real API rejects, so a sloppy translation fails here.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { REDACTED_THINKING_TRIGGER, startAnthropicFake } from '../../../src/demo/fakes/anthropic/index.ts';
import type { AnthropicFakeOptions } from '../../../src/demo/fakes/anthropic/fake-anthropic.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/fake-server.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import type { ChatCompletionMessage } from '../../../src/protocol/chat-response.ts';
import { anthropicAdapter } from '../../../src/providers/anthropic/index.ts';
import { decodeThinkingState } from '../../../src/providers/anthropic/signature.ts';
import {
  type AdapterCall,
  type TranslatedResponse,
  type UpstreamFailure,
  UpstreamStreamError,
} from '../../../src/providers/types.ts';
import type { SingleChoice } from '../../helpers/chunk-reassembly.ts';
import { type EmittedChunk, makeCtx, runStreamBody } from '../../helpers/stream-harness.ts';
import { anthropicFromCompletion, reassembleAnthropic } from './harness.ts';
import { stopAfterTest } from '../../helpers/fake-lifecycle.ts';

const KEY = 'sk-ant-roundtrip';
const MODEL = 'claude-haiku-4-5';
async function startFake(options: AnthropicFakeOptions = {}): Promise<FakeServer> {
  const fake = stopAfterTest(
    await startAnthropicFake({ keys: [KEY], clock: () => 1_767_225_600_000, ...options }),
  );
  return fake;
}

function callFor(fake: FakeServer, model: string, key = KEY): AdapterCall {
  return {
    target: { provider: 'claude', model, baseUrl: fake.url, origin: fake.url, basePath: '' },
    headers: anthropicAdapter.buildHeaders(key),
  };
}

function chat(extra: Partial<ChatRequest> & Record<string, unknown> = {}): ChatRequest {
  return { model: 'smart', messages: [{ role: 'user', content: 'Hello there' }], ...extra } as ChatRequest;
}

type Outcome =
  | { ok: true; translated: TranslatedResponse; raw: Record<string, unknown> }
  | { ok: false; failure: UpstreamFailure };

async function complete(
  fake: FakeServer,
  chatRequest: ChatRequest,
  model = MODEL,
  key = KEY,
): Promise<Outcome> {
  const upstream = anthropicAdapter.toRequest(chatRequest, callFor(fake, model, key), false);
  const response = await request(`${fake.url}${upstream.path}`, {
    method: upstream.method,
    headers: upstream.headers,
    body: upstream.body,
  });
  const text = await response.body.text();
  if (response.statusCode >= 300)
    return {
      ok: false,
      failure: anthropicAdapter.classifyError(response.statusCode, response.headers, text),
    };
  return {
    ok: true,
    translated: anthropicAdapter.fromResponse(text, makeCtx(chatRequest)),
    raw: JSON.parse(text),
  };
}

async function ok(
  fake: FakeServer,
  chatRequest: ChatRequest,
  model = MODEL,
): Promise<{ translated: TranslatedResponse; raw: Record<string, unknown> }> {
  const outcome = await complete(fake, chatRequest, model);
  if (!outcome.ok) throw new Error(`expected 200, got ${outcome.failure.status}: ${outcome.failure.message}`);
  return outcome;
}

interface StreamOutcome {
  chunks: EmittedChunk[];
  reassembled: SingleChoice;
  translator: ReturnType<typeof anthropicAdapter.createStreamTranslator>;
}

async function stream(fake: FakeServer, chatRequest: ChatRequest, model = MODEL): Promise<StreamOutcome> {
  const streamRequest = { ...chatRequest, stream: true };
  const upstream = anthropicAdapter.toRequest(streamRequest, callFor(fake, model), true);
  const response = await request(`${fake.url}${upstream.path}`, {
    method: upstream.method,
    headers: upstream.headers,
    body: upstream.body,
  });
  if (response.statusCode !== 200)
    throw new Error(`expected 200, got ${response.statusCode}: ${await response.body.text()}`);
  const translator = anthropicAdapter.createStreamTranslator(makeCtx(streamRequest));
  const { chunks } = await runStreamBody(translator, response.body);
  return { chunks, reassembled: reassembleAnthropic(chunks), translator };
}

/** Two answers to the same request differ only in generated ids and signatures. */
function comparable(value: SingleChoice): SingleChoice {
  const message: ChatCompletionMessage = structuredClone(value.message);
  message.tool_calls?.forEach((call, i) => {
    call.id = `call_${i}`;
  });
  delete message.reasoning_signature;
  return { ...value, message };
}

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('adapter ↔ fake Anthropic', () => {
  it('plain text: content, finish stop, the dated upstream model, exact usage', async () => {
    const fake = await startFake();
    const { translated, raw } = await ok(
      fake,
      chat({
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Hello there' },
        ],
      }),
    );
    const message = translated.completion.choices[0]?.message;
    expect(message?.content).toContain('You said: "Hello there"');
    expect(translated.finishReason).toBe('stop');
    expect(translated.completion.model).toBe('claude-haiku-4-5-20251001');
    const usage = raw.usage as { input_tokens: number; output_tokens: number };
    expect(translated.usage).toEqual({
      prompt_tokens: usage.input_tokens,
      completion_tokens: usage.output_tokens,
      total_tokens: usage.input_tokens + usage.output_tokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    const sent = fake.requests[0];
    expect(sent?.headers['x-api-key']).toBe(KEY);
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.body).toMatchObject({ system: [{ type: 'text', text: 'Be kind.' }], max_tokens: 16_384 });
  });

  it('streaming reassembles to the non-streaming translation, usage included', async () => {
    const fake = await startFake();
    const whole = anthropicFromCompletion((await ok(fake, chat())).translated.completion);
    const streamed = await stream(fake, chat({ stream_options: { include_usage: true } }));
    expect(comparable(streamed.reassembled)).toEqual(comparable(whole));
    expect(streamed.translator.usage).toEqual(whole.usage);
  });

  it('tools: a call with parsed arguments, streamed the same, then the answer to its result', async () => {
    const fake = await startFake();
    const ask = chat({ tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const { translated } = await ok(fake, ask);
    const message = translated.completion.choices[0]?.message;
    expect(translated.finishReason).toBe('tool_calls');
    expect(message?.content).toBeNull();
    const call = message?.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const streamed = await stream(fake, ask);
    expect(comparable(streamed.reassembled)).toEqual(
      comparable(anthropicFromCompletion(translated.completion)),
    );

    const followUp = await ok(
      fake,
      chat({
        tools: [WEATHER],
        messages: [
          ...ask.messages,
          { role: 'assistant', content: null, tool_calls: message?.tool_calls },
          { role: 'tool', tool_call_id: call?.id, content: '18°C' },
        ],
      } as never),
    );
    expect(followUp.translated.finishReason).toBe('stop');
    expect(followUp.translated.completion.choices[0]?.message.content).toContain('18°C');
  });

  it('tool_choice required and named, parallel_tool_calls false', async () => {
    const fake = await startFake();
    const noop = {
      type: 'function' as const,
      function: { name: 'noop', parameters: { type: 'object', properties: {} } },
    };
    const named = await ok(
      fake,
      chat({
        tools: [noop, WEATHER],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        parallel_tool_calls: false,
      }),
    );
    expect(
      named.translated.completion.choices[0]?.message.tool_calls?.map((c) =>
        c.type === 'function' ? c.function.name : '',
      ),
    ).toEqual(['get_weather']);
    expect(fake.requests[0]?.body).toMatchObject({
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    });
    const required = await ok(fake, chat({ tools: [noop], tool_choice: 'required' }));
    expect(required.translated.finishReason).toBe('tool_calls');
  });

  it('thinking survives a multi-turn tool loop through reasoning_signature (and not without it)', async () => {
    const fake = await startFake();
    const ask = chat({
      tools: [WEATHER],
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const first = (await stream(fake, ask)).reassembled.message;
    expect(first.reasoning_content).toContain('I should call get_weather');
    expect(first.content).toBeNull();
    expect(first.reasoning_signature).toMatch(/^claude-thinking\.v1\./);
    const call = first.tool_calls?.[0];
    const result = { role: 'tool', tool_call_id: call?.id, content: '18°C' };

    // The OpenAI client hands the assistant message back as it got it.
    const next = await ok(fake, chat({ ...ask, messages: [...ask.messages, first, result] } as never));
    expect(next.translated.completion.choices[0]?.message.content).toContain('18°C');
    expect(next.translated.completion.choices[0]?.message.reasoning_content).toBeTruthy();

    // A client that drops the signature gets Anthropic's own 400, classified as a bad request.
    const { reasoning_signature: _dropped, ...bare } = first;
    const rejected = await complete(
      fake,
      chat({ ...ask, messages: [...ask.messages, bare, result] } as never),
    );
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) {
      expect(rejected.failure).toMatchObject({
        errorClass: 'bad_request',
        status: 400,
        code: 'invalid_request_error',
        param: 'messages.1.content.0.type',
      });
      expect(rejected.failure.message).toMatch(/Expected `thinking` or `redacted_thinking`/);
    }
  });

  it('redacted_thinking blocks come back unchanged too', async () => {
    const fake = await startFake();
    const ask = chat({
      tools: [WEATHER],
      reasoning_effort: 'minimal',
      messages: [{ role: 'user', content: `Weather in Paris? ${REDACTED_THINKING_TRIGGER}` }],
    });
    const first = (await ok(fake, ask)).translated.completion.choices[0]?.message;
    expect(decodeThinkingState(first?.reasoning_signature)?.blocks.map((b) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
    ]);
    const result = { role: 'tool', tool_call_id: first?.tool_calls?.[0]?.id, content: '18°C' };
    const next = await complete(fake, chat({ ...ask, messages: [...ask.messages, first, result] } as never));
    expect(next.ok).toBe(true);
    const sent = fake.requests.at(-1)?.body as { messages: Array<{ content: Array<{ type: string }> }> };
    expect(sent.messages[1]?.content.map((b) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
      'tool_use',
    ]);
  });

  it('reasoning on the 5-series: thinking by default, adaptive effort, a forced tool turns it off', async () => {
    const fake = await startFake();
    const byDefault = await ok(fake, chat(), 'claude-sonnet-5');
    expect(byDefault.translated.completion.choices[0]?.message.reasoning_content).toBeTruthy();
    expect(byDefault.translated.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    const effort = await ok(fake, chat({ reasoning_effort: 'high', temperature: 0.2 }), 'claude-opus-4-8');
    expect(effort.translated.completion.choices[0]?.message.reasoning_content).toBeTruthy();
    expect(fake.requests.at(-1)?.body).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    });
    const forced = await ok(fake, chat({ tools: [WEATHER], tool_choice: 'required' }), 'claude-sonnet-5');
    expect(forced.translated.finishReason).toBe('tool_calls');
    expect(forced.translated.completion.choices[0]?.message.reasoning_content).toBeUndefined();
  });

  it('json_schema is followed; json_object yields a JSON object', async () => {
    const fake = await startFake();
    const schema = await ok(
      fake,
      chat({
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            schema: {
              type: 'object',
              properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
              required: ['name', 'age'],
            },
          },
        },
      }),
    );
    expect(JSON.parse(schema.translated.completion.choices[0]?.message.content ?? '')).toEqual({
      name: 'Ada Lovelace',
      age: 42,
    });
    const object = await ok(fake, chat({ response_format: { type: 'json_object' } }));
    expect(JSON.parse(object.translated.completion.choices[0]?.message.content ?? '')).toBeTypeOf('object');
  });

  it('images as data URLs and https URLs', async () => {
    const fake = await startFake();
    const { translated } = await ok(
      fake,
      chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
            ],
          },
        ],
      }),
    );
    expect(translated.finishReason).toBe('stop');
    expect(translated.usage?.prompt_tokens).toBeGreaterThan(170);
  });

  it('usage is exact with prompt caching: cache writes and reads are prompt tokens, reads are cached_tokens', async () => {
    const fake = await startFake();
    const ask = chat({
      messages: [
        {
          role: 'system',
          content: [
            {
              type: 'text',
              text: 'You are a meticulous assistant. '.repeat(300),
              cache_control: { type: 'ephemeral' },
            },
          ],
        },
        { role: 'user', content: 'Hello there' },
      ],
    } as never);
    const first = await ok(fake, ask);
    const second = await stream(fake, ask);
    const firstUsage = first.raw.usage as { input_tokens: number; cache_creation_input_tokens: number };
    expect(firstUsage.cache_creation_input_tokens).toBeGreaterThan(2000);
    expect(first.translated.usage?.prompt_tokens).toBe(
      firstUsage.input_tokens + firstUsage.cache_creation_input_tokens,
    );
    expect(first.translated.usage?.prompt_tokens_details).toEqual({
      cached_tokens: 0,
      cache_write_tokens: firstUsage.cache_creation_input_tokens,
    });
    expect(second.translator.usage?.prompt_tokens).toBe(first.translated.usage?.prompt_tokens);
    expect(second.translator.usage?.prompt_tokens_details).toEqual({
      cached_tokens: firstUsage.cache_creation_input_tokens,
    });
  });

  it('finish reasons: length at max_tokens, stop at a stop sequence', async () => {
    const fake = await startFake();
    const cut = await ok(fake, chat({ max_tokens: 4 }));
    expect(cut.translated.finishReason).toBe('length');
    expect(cut.translated.rawFinishReason).toBe('max_tokens');
    expect(cut.translated.usage?.completion_tokens).toBe(4);
    const stopped = await ok(fake, chat({ stop: ['simulated'] }));
    expect(stopped.translated.finishReason).toBe('stop');
    expect(stopped.translated.rawFinishReason).toBe('stop_sequence');
    expect(stopped.translated.completion.choices[0]?.message.content).not.toContain('simulated');
  });

  it('sampling reaches models that take it and is left out where the fake would reject it', async () => {
    const fake = await startFake();
    expect((await complete(fake, chat({ temperature: 1.7, top_p: 0.5 }))).ok).toBe(true);
    expect(fake.requests.at(-1)?.body).toMatchObject({ temperature: 1 });
    expect((await complete(fake, chat({ temperature: 0.2, top_p: 0.5 }), 'claude-opus-4-8')).ok).toBe(true);
    expect((await complete(fake, chat({ temperature: 0.2 }), 'claude-sonnet-5-5')).ok).toBe(true);
  });

  it('errors are classified: 429 with retry-after, 529 overloaded, context length, a wrong key', async () => {
    const fake = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 12 } });
    const limited = await complete(fake, chat());
    expect(!limited.ok && limited.failure).toMatchObject({
      errorClass: 'rate_limited',
      status: 429,
      retryAfterMs: 12_000,
      code: 'rate_limit_error',
    });
    fake.control.enqueue({ fault: { kind: 'status', status: 529 } });
    const overloaded = await complete(fake, chat());
    expect(!overloaded.ok && overloaded.failure).toMatchObject({
      errorClass: 'overloaded',
      status: 529,
      code: 'overloaded_error',
    });
    fake.control.enqueue({
      fault: {
        kind: 'status',
        status: 400,
        body: {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'prompt is too long: 210000 tokens > 200000 maximum',
          },
          request_id: 'req_1',
        },
      },
    });
    const tooLong = await complete(fake, chat());
    expect(!tooLong.ok && tooLong.failure).toMatchObject({ errorClass: 'context_length', status: 400 });
    const wrongKey = await complete(fake, chat(), MODEL, 'sk-ant-wrong');
    expect(!wrongKey.ok && wrongKey.failure).toMatchObject({
      errorClass: 'auth',
      status: 401,
      message: 'invalid x-api-key',
    });
  });

  it('the rate limiter: retry-after from the fake', async () => {
    const fake = await startFake({ rateLimits: { requestsPerMinute: 1 } });
    await ok(fake, chat());
    const limited = await complete(fake, chat());
    expect(!limited.ok && limited.failure).toMatchObject({
      errorClass: 'rate_limited',
      retryAfterMs: 60_000,
    });
  });

  it('an in-stream overloaded error becomes an UpstreamStreamError, classified', async () => {
    const fake = await startFake();
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 3, status: 529 } });
    const failure = await stream(fake, chat()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UpstreamStreamError);
    expect((failure as UpstreamStreamError).failure).toMatchObject({
      errorClass: 'overloaded',
      status: 529,
      code: 'overloaded_error',
    });
  });

  it('the probe request lists models', async () => {
    const fake = await startFake();
    const probe = anthropicAdapter.probeRequest(callFor(fake, MODEL));
    const response = await request(`${fake.url}${probe.path}`, {
      method: probe.method,
      headers: probe.headers,
    });
    expect(response.statusCode).toBe(200);
    expect(((await response.body.json()) as { data: unknown[] }).data).toHaveLength(1);
  });
});
