/**
 * The adapter against the fake Gemini, no gateway in between: toRequest → undici → the fake →
 * fromResponse / the stream translator. The fake rejects what the real API rejects (unknown fields,
 * bad roles, unanswered calls, missing or mangled thought signatures), so every request the adapter
 * builds here is also checked for shape.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeminiFake } from '../../../src/demo/fakes/gemini/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/fake-server.ts';
import { FAKE_SCRIPT_HEADER, type FakeScript } from '../../../src/demo/fakes/shared/script.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import type { ChatCompletionMessage } from '../../../src/protocol/chat-response.ts';
import { geminiAdapter } from '../../../src/providers/gemini/index.ts';
import {
  type AdapterCall,
  StreamProtocolError,
  type TranslationContext,
  UpstreamStreamError,
} from '../../../src/providers/types.ts';
import { reassemble } from '../../helpers/chunk-reassembly.ts';
import { runStream } from '../../helpers/stream-harness.ts';

const KEY = 'AIza-roundtrip-key';
let fake: FakeServer;

beforeAll(async () => {
  fake = await startGeminiFake({ keys: [KEY], strictModels: true });
});
afterAll(async () => {
  await fake.stop();
});

function callFor(model: string, key = KEY): AdapterCall {
  const url = new URL(fake.url);
  return {
    target: { provider: 'google', model, baseUrl: fake.url, origin: url.origin, basePath: '' },
    headers: geminiAdapter.buildHeaders(key),
  };
}

function chat(fields: Partial<ChatRequest> & Record<string, unknown>): ChatRequest {
  return {
    model: 'smart',
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    ...fields,
  } as ChatRequest;
}

function ctxFor(chatRequest: ChatRequest): TranslationContext {
  return { completionId: 'chatcmpl-roundtrip', created: 1767225600, request: chatRequest };
}

async function send(
  chatRequest: ChatRequest,
  model: string,
  stream: boolean,
  options: { script?: FakeScript; key?: string } = {},
) {
  const upstream = geminiAdapter.toRequest(chatRequest, callFor(model, options.key), stream);
  const headers: Record<string, string> = { ...upstream.headers };
  if (options.script !== undefined) headers[FAKE_SCRIPT_HEADER] = JSON.stringify(options.script);
  return request(`${fake.url}${upstream.path}`, { method: upstream.method, headers, body: upstream.body });
}

async function complete(
  chatRequest: ChatRequest,
  model: string,
  options: { script?: FakeScript; key?: string } = {},
) {
  const response = await send(chatRequest, model, false, options);
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    return {
      failure: geminiAdapter.classifyError(response.statusCode, response.headers, text),
      raw: text,
    } as const;
  }
  return { result: geminiAdapter.fromResponse(text, ctxFor(chatRequest)), raw: text } as const;
}

async function streamed(chatRequest: ChatRequest, model: string, options: { script?: FakeScript } = {}) {
  const response = await send(chatRequest, model, true, options);
  expect(response.statusCode).toBe(200);
  const pieces: Uint8Array[] = [];
  try {
    for await (const piece of response.body) pieces.push(piece as Uint8Array);
  } catch (error) {
    // A cut connection ends the body with a socket error; what matters is what the bytes meant.
    if (!(error instanceof Error)) throw error;
  }
  const { chunks, translator } = runStream(geminiAdapter.createStreamTranslator, pieces, ctxFor(chatRequest));
  return { chunks, translator, reassembled: reassemble(chunks) };
}

function ok<T extends { result?: unknown; failure?: unknown; raw: string }>(
  outcome: T,
): NonNullable<T['result']> {
  if (outcome.result === undefined) throw new Error(`expected success, got ${outcome.raw}`);
  return outcome.result as NonNullable<T['result']>;
}

const WEATHER: NonNullable<ChatRequest['tools']> = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
];

describe('adapter ↔ fake Gemini', () => {
  it('plain text, with usage exactly as Gemini counted it', async () => {
    const outcome = await complete(
      chat({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello!' },
        ],
      }),
      'gemini-2.0-flash',
    );
    const result = ok(outcome);
    const message = result.completion.choices[0]?.message;
    expect(message?.content).toContain('Hello from gemini-2.0-flash');
    expect(result.finishReason).toBe('stop');
    expect(result.completion.model).toBe('gemini-2.0-flash');
    const usage = JSON.parse(outcome.raw).usageMetadata;
    expect(result.usage).toEqual({
      prompt_tokens: usage.promptTokenCount,
      completion_tokens: usage.candidatesTokenCount,
      total_tokens: usage.totalTokenCount,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('streaming reassembles to the non-streaming answer', async () => {
    const request = chat({ messages: [{ role: 'user', content: 'Tell me about streams' }] });
    const whole = ok(await complete(request, 'gemini-2.0-flash'));
    const stream = await streamed(request, 'gemini-2.0-flash');
    expect(stream.reassembled.choices).toEqual(
      whole.completion.choices.map(({ index, message, finish_reason }) => ({
        index,
        message,
        finish_reason,
      })),
    );
    expect(stream.translator.usage).toEqual(whole.usage);
    expect(stream.chunks.at(-1)?.kind).toBe('usage');
  });

  it('reasoning on Gemini 2.5 and 3: thoughts in reasoning_content, billed as reasoning tokens', async () => {
    for (const model of ['gemini-2.5-flash', 'gemini-3-pro-preview']) {
      const request = chat({ reasoning_effort: 'low' });
      const outcome = await complete(request, model);
      const result = ok(outcome);
      const message = result.completion.choices[0]?.message;
      expect(message?.reasoning_content, model).toContain('The user wrote');
      expect(message?.content, model).not.toContain('The user wrote');
      expect(result.usage?.completion_tokens_details?.reasoning_tokens).toBe(
        JSON.parse(outcome.raw).usageMetadata.thoughtsTokenCount,
      );
      const stream = await streamed(request, model);
      expect(stream.reassembled.choices[0]?.message.reasoning_content).toBe(message?.reasoning_content);
    }
  });

  it('tools: a call with a minted id, then the result goes back, on Gemini 3 with its signature', async () => {
    const first = chat({ tools: WEATHER, tool_choice: 'required' });
    const result = ok(await complete(first, 'gemini-3-pro-preview'));
    expect(result.finishReason).toBe('tool_calls');
    const assistant = result.completion.choices[0]?.message as ChatCompletionMessage;
    const call = assistant.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    expect(call?.id).toMatch(/^call_roundtrip_0_0__thought__[A-Za-z0-9_-]+$/);

    // The next turn, as an OpenAI client sends it: the fake checks the signature is its own.
    const second = chat({
      tools: WEATHER,
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        {
          role: 'assistant',
          content: assistant.content,
          tool_calls: assistant.tool_calls,
        } as ChatRequest['messages'][number],
        { role: 'tool', tool_call_id: call?.id ?? '', content: '{"temp_c":18,"sky":"clear"}' },
      ],
    });
    const answer = ok(await complete(second, 'gemini-3-pro-preview'));
    expect(answer.completion.choices[0]?.message.content).toContain('temp_c');
    expect(answer.finishReason).toBe('stop');
  });

  it('tools streamed: the same call and id as without streaming', async () => {
    const request = chat({ tools: WEATHER });
    const whole = ok(await complete(request, 'gemini-2.5-flash'));
    const stream = await streamed(request, 'gemini-2.5-flash');
    expect(stream.reassembled.choices[0]?.finish_reason).toBe('tool_calls');
    // Each answer is signed anew (the signature names its response), so compare without it.
    const unsigned = (calls: ChatCompletionMessage['tool_calls']) =>
      calls?.map((c) => ({ ...c, id: c.id.split('__thought__')[0], signed: c.id.includes('__thought__') }));
    expect(unsigned(stream.reassembled.choices[0]?.message.tool_calls)).toEqual(
      unsigned(whole.completion.choices[0]?.message.tool_calls),
    );
    expect(unsigned(whole.completion.choices[0]?.message.tool_calls)?.[0]).toMatchObject({
      id: 'call_roundtrip_0_0',
      signed: true,
    });
  });

  it('Gemini 3 accepts tool history from another provider thanks to the placeholder signature', async () => {
    const request = chat({
      tools: WEATHER,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_openai_123',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_openai_123', content: 'sunny' },
      ],
    });
    expect(
      ok(await complete(request, 'gemini-3-flash-preview')).completion.choices[0]?.message.content,
    ).toContain('sunny');
  });

  it('a text signature comes back through reasoning_signature and the fake accepts it as its own', async () => {
    const first = ok(await complete(chat({ reasoning_effort: 'low' }), 'gemini-3-pro-preview'));
    const assistant = first.completion.choices[0]?.message as ChatCompletionMessage;
    expect(assistant.reasoning_signature).toMatch(/^gemini:/);
    const next = chat({
      messages: [
        { role: 'user', content: 'Hi' },
        assistant as ChatRequest['messages'][number],
        { role: 'user', content: 'And again?' },
      ],
    });
    expect(ok(await complete(next, 'gemini-3-pro-preview')).finishReason).toBe('stop');
    // A signature that did not come from this upstream is refused, as the real API refuses it.
    const tampered = chat({
      messages: [
        { role: 'user', content: 'Hi' },
        { ...assistant, reasoning_signature: 'gemini:QUJDRA==' } as ChatRequest['messages'][number],
        { role: 'user', content: 'Again' },
      ],
    });
    expect((await complete(tampered, 'gemini-3-pro-preview')).failure).toMatchObject({
      errorClass: 'bad_request',
      status: 400,
    });
  });

  it('JSON schema answers parse and match', async () => {
    const result = ok(
      await complete(
        chat({
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: 'city',
              schema: {
                type: 'object',
                properties: { name: { type: 'string' }, population: { type: 'integer' } },
                required: ['name', 'population'],
              },
            },
          },
        }),
        'gemini-2.5-flash',
      ),
    );
    const parsed = JSON.parse(result.completion.choices[0]?.message.content ?? '');
    expect(typeof parsed.name).toBe('string');
    expect(Number.isInteger(parsed.population)).toBe(true);
  });

  it('images inline and by https URL, audio inline', async () => {
    const request = chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe both' },
            {
              type: 'image_url',
              image_url: {
                url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
              },
            },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp' } },
            { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZFZm10IA==', format: 'wav' } },
          ],
        },
      ],
    });
    const outcome = await complete(request, 'gemini-2.5-flash');
    const usage = JSON.parse(outcome.raw).usageMetadata;
    expect(ok(outcome).usage?.prompt_tokens).toBe(usage.promptTokenCount);
    expect(usage.promptTokenCount).toBeGreaterThan(3 * 258);
  });

  it('finish reasons: length from max_tokens, stop from a stop sequence', async () => {
    const cut = ok(await complete(chat({ max_tokens: 4 }), 'gemini-2.0-flash'));
    expect(cut.finishReason).toBe('length');
    expect(cut.rawFinishReason).toBe('MAX_TOKENS');
    expect(cut.usage?.completion_tokens).toBe(4);
    const stopped = ok(await complete(chat({ stop: ['!'] }), 'gemini-2.0-flash'));
    expect(stopped.completion.choices[0]?.message.content).toBe('Hello from gemini-2.0-flash');
    const streamedCut = await streamed(chat({ max_tokens: 4 }), 'gemini-2.0-flash');
    expect(streamedCut.reassembled.choices[0]?.finish_reason).toBe('length');
  });

  it('n choices and logprobs', async () => {
    const request = chat({ n: 2, logprobs: true, top_logprobs: 2 });
    const result = ok(await complete(request, 'gemini-2.0-flash'));
    expect(result.completion.choices.map((c) => c.index)).toEqual([0, 1]);
    const logprobs = result.completion.choices[0]?.logprobs?.content ?? [];
    expect(logprobs.map((l) => l.token).join('')).toBe(result.completion.choices[0]?.message.content);
    expect(logprobs[0]?.top_logprobs).toHaveLength(2);
    const stream = await streamed(request, 'gemini-2.0-flash');
    expect(stream.reassembled.choices.map((c) => c.message.content)).toEqual(
      result.completion.choices.map((c) => c.message.content),
    );
    expect(stream.reassembled.choices[0]?.logprobs).toEqual(result.completion.choices[0]?.logprobs);
  });

  it('errors are classified: 429 with the RetryInfo delay, 503 overloaded, a bad key auth, an unknown model bad_request', async () => {
    const limited = await complete(chat({}), 'gemini-2.5-flash', {
      script: { fault: { kind: 'status', status: 429, retryAfterSeconds: 21 } },
    });
    expect(limited.failure).toMatchObject({
      errorClass: 'rate_limited',
      status: 429,
      code: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 21000,
    });
    const overloaded = await complete(chat({}), 'gemini-2.5-flash', {
      script: { fault: { kind: 'status', status: 503 } },
    });
    expect(overloaded.failure).toMatchObject({ errorClass: 'overloaded', code: 'UNAVAILABLE' });
    const badKey = await complete(chat({}), 'gemini-2.5-flash', { key: 'AIza-wrong' });
    expect(badKey.failure).toMatchObject({ errorClass: 'auth', status: 400 });
    const missing = await complete(chat({}), 'gemini-9-ultra');
    expect(missing.failure).toMatchObject({ errorClass: 'bad_request', status: 404, code: 'NOT_FOUND' });
    const tooLong = await complete(
      chat({ messages: [{ role: 'user', content: 'word '.repeat(5) }] }),
      'gemini-2.5-flash',
      {
        script: {
          fault: {
            kind: 'status',
            status: 400,
            body: {
              error: {
                code: 400,
                message:
                  'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
                status: 'INVALID_ARGUMENT',
              },
            },
          },
        },
      },
    );
    expect(tooLong.failure).toMatchObject({ errorClass: 'context_length' });
  });

  it('an in-band stream error and a cut stream surface as typed errors', async () => {
    await expect(
      streamed(chat({}), 'gemini-2.0-flash', {
        script: { fault: { kind: 'stream-error', afterChunks: 1, status: 503 } },
      }),
    ).rejects.toSatisfy(
      (error: unknown) => error instanceof UpstreamStreamError && error.failure.errorClass === 'overloaded',
    );
    await expect(
      streamed(chat({}), 'gemini-2.0-flash', { script: { fault: { kind: 'cut', afterChunks: 2 } } }),
    ).rejects.toBeInstanceOf(StreamProtocolError);
  });

  it('the health probe lists models with the key', async () => {
    const probe = geminiAdapter.probeRequest(callFor('gemini-2.5-flash'));
    const response = await request(`${fake.url}${probe.path}`, {
      method: probe.method,
      headers: probe.headers,
    });
    const body = (await response.body.json()) as { models: unknown[]; nextPageToken?: string };
    expect(response.statusCode).toBe(200);
    expect(body.models).toHaveLength(1);
    expect(body.nextPageToken).toBeDefined();
  });
});
