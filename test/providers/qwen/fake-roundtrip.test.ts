import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidParameter, qwenError } from '../../../src/demo/fakes/qwen/errors.ts';
import { startQwenFake } from '../../../src/demo/fakes/qwen/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/fake-server.ts';
import { qwenAdapter } from '../../../src/providers/qwen/index.ts';
import { WEATHER_TOOL } from '../../helpers/weather-tool.ts';
import {
  askBothWays,
  comparable,
  expectFailure,
  expectOk,
  type RoundTrip,
  roundTrip,
} from '../shared/openai-dialect/roundtrip.ts';

let fake: FakeServer;
let rt: RoundTrip;

beforeAll(async () => {
  fake = await startQwenFake({ keys: ['sk-round'], clock: () => 1_767_225_600_000 });
  rt = {
    adapter: qwenAdapter,
    baseUrl: `${fake.url}/compatible-mode/v1`,
    model: 'qwen-plus',
    apiKey: 'sk-round',
  };
});
afterAll(() => fake.stop());

describe('Qwen adapter ↔ fake Qwen', () => {
  it('plain text: streamed reassembly equals the JSON answer, usage exact', async () => {
    const request = {
      messages: [{ role: 'user' as const, content: 'Say hello' }],
      max_completion_tokens: 300,
      seed: 9,
      user: 'u',
    };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.choices[0]?.message.content).toContain('Hello from qwen-plus');
    expect(comparable(streamed)).toEqual(comparable(json));
    expect(json.usage?.total_tokens).toBe(
      (json.usage?.prompt_tokens ?? 0) + (json.usage?.completion_tokens ?? 0),
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 300,
      seed: 9,
    });
  });

  it('tools: empty repeated ids are normalized, streamed equals JSON, and the loop closes', async () => {
    const qwen3 = { ...rt, model: 'qwen3-max' };
    const request = {
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      parallel_tool_calls: false,
    };
    const { json, streamed } = await askBothWays(qwen3, request);
    expect(json.finish_reason).toBe('tool_calls');
    expect(json.choices[0]?.message.content).toBeNull();
    expect(comparable(streamed)).toEqual(comparable(json));
    const call = json.choices[0]?.message.tool_calls?.[0];
    const followUp = expectOk(
      await roundTrip(qwen3, {
        tools: [WEATHER_TOOL],
        messages: [
          ...request.messages,
          { role: 'assistant', content: null, tool_calls: [call as never] },
          { role: 'tool', tool_call_id: call?.id ?? '', content: '18°C' },
        ],
      }),
    );
    expect(followUp.choices[0]?.message.content).toContain('18°C');
  });

  it('reasoning_effort → enable_thinking + budget; reasoning arrives as reasoning_content', async () => {
    const json = expectOk(await roundTrip(rt, { reasoning_effort: 'low' }));
    expect(fake.requests.at(-1)?.body).toMatchObject({ enable_thinking: true, thinking_budget: 4096 });
    const streamed = expectOk(await roundTrip(rt, { reasoning_effort: 'low' }, true));
    expect(json.choices[0]?.message.reasoning_content).toContain('The user wrote');
    expect(json.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('open-weight Qwen3 needs a stream while thinking: reasoning_effort none turns it off', async () => {
    const qwen3 = { ...rt, model: 'qwen3-32b' };
    expect(expectFailure(await roundTrip(qwen3, {}))).toMatchObject({
      errorClass: 'bad_request',
      status: 400,
    });
    expect(expectOk(await roundTrip(qwen3, { reasoning_effort: 'none' })).finish_reason).toBe('stop');
    expect(expectOk(await roundTrip(qwen3, {}, true)).choices[0]?.message.reasoning_content).toBeTruthy();
  });

  it('JSON schema, images and n = 2 are native', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const request = {
      n: 2,
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'Which city?' },
            { type: 'image_url' as const, image_url: { url: 'https://example.com/paris.jpg' } },
          ],
        },
      ],
      response_format: { type: 'json_schema' as const, json_schema: { name: 'c', schema } },
    };
    const { json, streamed } = await askBothWays({ ...rt, model: 'qwen-vl-plus' }, request);
    expect(json.choices.map((c) => JSON.parse(c.message.content ?? ''))).toEqual([
      { city: 'Paris' },
      { city: 'Paris' },
    ]);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('logprobs are native and survive streaming', async () => {
    const { json, streamed } = await askBothWays(rt, { logprobs: true, top_logprobs: 3 });
    expect(json.choices[0]?.logprobs?.content.length).toBeGreaterThan(0);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('max tokens: finish length', async () => {
    const { json, streamed } = await askBothWays(rt, { max_tokens: 2 });
    expect(json.finish_reason).toBe('length');
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('errors: 429 limit_requests with retry-after, content filter, context length, auth', async () => {
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 2 } });
    expect(expectFailure(await roundTrip(rt, {}))).toMatchObject({
      errorClass: 'rate_limited',
      retryAfterMs: 2000,
      code: 'limit_requests',
    });
    const moderated = qwenError(
      400,
      'data_inspection_failed',
      'Input data may contain inappropriate content.',
    );
    fake.control.enqueue({ fault: { kind: 'status', status: 400, body: moderated.body } });
    expect(expectFailure(await roundTrip(rt, {}, true))).toMatchObject({ errorClass: 'content_filter' });
    const tooLong = invalidParameter('Range of input length should be [1, 129024]', 'r');
    fake.control.enqueue({ fault: { kind: 'status', status: 400, body: tooLong.body } });
    expect(expectFailure(await roundTrip(rt, {}))).toMatchObject({ errorClass: 'context_length' });
    expect(expectFailure(await roundTrip({ ...rt, apiKey: 'nope' }, {}))).toMatchObject({
      errorClass: 'auth',
      status: 401,
    });
  });

  it('a mid-stream error becomes a classified UpstreamStreamError', async () => {
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 500 } });
    await expect(roundTrip(rt, {}, true)).rejects.toMatchObject({
      name: 'UpstreamStreamError',
      failure: { errorClass: 'server' },
    });
  });
});
