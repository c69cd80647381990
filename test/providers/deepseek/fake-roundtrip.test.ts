import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeepSeekFake } from '../../../src/demo/fakes/deepseek/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/fake-server.ts';
import { deepseekAdapter } from '../../../src/providers/deepseek/index.ts';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
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
  fake = await startDeepSeekFake({ keys: ['sk-round'], clock: () => 1_767_225_600_000, keepAlives: 2 });
  rt = { adapter: deepseekAdapter, baseUrl: fake.url, model: 'deepseek-chat', apiKey: 'sk-round' };
});
afterAll(() => fake.stop());

describe('DeepSeek adapter ↔ fake DeepSeek', () => {
  it('plain text through keep-alives: streamed reassembly equals the JSON answer, usage exact', async () => {
    // OpenAI-only fields the fake would refuse (seed, user, parallel_tool_calls, max_completion_tokens) are handled.
    const request = {
      messages: [{ role: 'user' as const, content: 'Say hello' }],
      max_completion_tokens: 300,
      seed: 1,
      user: 'u',
      parallel_tool_calls: true,
    };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.choices[0]?.message.content).toContain('Hello from deepseek-chat');
    expect(json.finish_reason).toBe('stop');
    expect(comparable(streamed)).toEqual(comparable(json));
    expect(json.usage?.total_tokens).toBe(
      (json.usage?.prompt_tokens ?? 0) + (json.usage?.completion_tokens ?? 0),
    );
  });

  it('reasoning_effort turns thinking on and the reasoning arrives as reasoning_content', async () => {
    const request = { reasoning_effort: 'low' as const };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.choices[0]?.message.reasoning_content).toContain('The user wrote');
    expect(json.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(comparable(streamed)).toEqual(comparable(json));
    expect(fake.requests.at(-1)?.body).toMatchObject({
      thinking: { type: 'enabled' },
      reasoning_effort: 'high',
    });
  });

  it('a thinking tool loop: tool_calls, then the result with the reasoning sent back as DeepSeek requires', async () => {
    const reasoner = { ...rt, model: 'deepseek-reasoner' };
    const request = {
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
    };
    const { json, streamed } = await askBothWays(reasoner, request);
    expect(json.finish_reason).toBe('tool_calls');
    expect(comparable(streamed)).toEqual(comparable(json));
    const assistant = json.choices[0]?.message;
    const call = assistant?.tool_calls?.[0];
    const followUp = expectOk(
      await roundTrip(reasoner, {
        tools: [WEATHER_TOOL],
        messages: [
          ...request.messages,
          {
            role: 'assistant',
            content: assistant?.content ?? null,
            reasoning_content: assistant?.reasoning_content,
            tool_calls: [call as never],
          },
          { role: 'tool', tool_call_id: call?.id ?? '', content: '18°C' },
        ],
      }),
    );
    expect(followUp.choices[0]?.message.content).toContain('18°C');
    // A tool turn from another provider (no reasoning to give back) is accepted too.
    const foreign = expectOk(
      await roundTrip(reasoner, {
        tools: [WEATHER_TOOL],
        messages: [
          ...request.messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'toolu_01',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_01', content: '18°C' },
        ],
      }),
    );
    expect(foreign.finish_reason).toBe('stop');
  });

  it('JSON mode works, json_schema and images are refused before any request', async () => {
    const json = expectOk(await roundTrip(rt, { response_format: { type: 'json_object' } }));
    expect(() => JSON.parse(json.choices[0]?.message.content ?? '')).not.toThrow();
    const before = fake.requests.length;
    await expect(
      roundTrip(rt, { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }),
    ).rejects.toBeInstanceOf(GatewayError);
    await expect(
      roundTrip(rt, {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      }),
    ).rejects.toBeInstanceOf(GatewayError);
    expect(fake.requests.length).toBe(before);
  });

  it('max tokens: finish length, streamed and not', async () => {
    const request = { max_tokens: 2 };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.finish_reason).toBe('length');
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('logprobs pass natively in non-thinking mode, the same streamed and not', async () => {
    const { json, streamed } = await askBothWays(rt, { logprobs: true, top_logprobs: 2 });
    expect(json.choices[0]?.logprobs?.content.length).toBeGreaterThan(0);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('errors: 402 is an account problem, 429 keeps retry-after, 503 is overloaded, 401 auth', async () => {
    fake.control.enqueue({ fault: { kind: 'status', status: 402 } });
    expect(expectFailure(await roundTrip(rt, {}))).toMatchObject({
      errorClass: 'auth',
      status: 402,
      message: 'Insufficient Balance',
    });
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 5 } });
    expect(expectFailure(await roundTrip(rt, {}, true))).toMatchObject({
      errorClass: 'rate_limited',
      retryAfterMs: 5000,
    });
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    expect(expectFailure(await roundTrip(rt, {}))).toMatchObject({ errorClass: 'overloaded' });
    expect(expectFailure(await roundTrip({ ...rt, apiKey: 'nope' }, {}))).toMatchObject({
      errorClass: 'auth',
      status: 401,
    });
  });

  it('a mid-stream error becomes a classified UpstreamStreamError', async () => {
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 3, status: 503 } });
    await expect(roundTrip(rt, {}, true)).rejects.toMatchObject({
      name: 'UpstreamStreamError',
      failure: { errorClass: 'overloaded' },
    });
  });

  it('a cut stream is reported as truncated', async () => {
    fake.control.enqueue({ fault: { kind: 'cut', afterChunks: 3 } });
    await expect(roundTrip(rt, {}, true)).rejects.toBeInstanceOf(Error);
  });
});
