import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMistralFake } from '../../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/fake-server.ts';
import { mistralAdapter } from '../../../src/providers/mistral/index.ts';
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
  fake = await startMistralFake({
    keys: ['mk-round'],
    clock: () => 1_767_225_630_000,
    rateLimits: { requestsPerMinute: 1000 },
  });
  rt = {
    adapter: mistralAdapter,
    baseUrl: `${fake.url}/v1`,
    model: 'mistral-small-latest',
    apiKey: 'mk-round',
  };
});
afterAll(() => fake.stop());

describe('Mistral adapter ↔ fake Mistral', () => {
  it('plain text: streamed reassembly equals the non-streamed answer, usage exact', async () => {
    const request = {
      messages: [{ role: 'user' as const, content: 'Say hello' }],
      max_completion_tokens: 200,
      seed: 3,
      user: 'u1',
    };
    const json = expectOk(await roundTrip(rt, request));
    const streamed = expectOk(
      await roundTrip(rt, { ...request, stream: true, stream_options: { include_usage: true } }, true),
    );
    expect(json.finish_reason).toBe('stop');
    expect(json.choices[0]?.message.content).toContain('Hello from mistral-small-latest');
    expect(comparable(streamed)).toEqual(comparable(json));
    expect(json.usage?.total_tokens).toBe(
      (json.usage?.prompt_tokens ?? 0) + (json.usage?.completion_tokens ?? 0),
    );
  });

  it('tools: a 9-character call id, tool_calls finish, then the result goes back with a foreign id', async () => {
    const request = {
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required' as const,
    };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.finish_reason).toBe('tool_calls');
    const call = json.choices[0]?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(comparable(streamed)).toEqual(comparable(json));
    // A history from another provider: OpenAI-style ids are re-mapped, reasoning_content is left out.
    const followUp = expectOk(
      await roundTrip(rt, {
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            reasoning_content: 'I should call the tool.',
            tool_calls: [
              {
                id: 'call_k2OpenAIstyle',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_k2OpenAIstyle', content: '18°C, sunny' },
        ],
      }),
    );
    expect(followUp.choices[0]?.message.content).toContain('18°C, sunny');
  });

  it('JSON schema and JSON mode', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    };
    const json = expectOk(
      await roundTrip(rt, {
        messages: [{ role: 'user', content: 'Plan a trip' }],
        response_format: { type: 'json_schema', json_schema: { name: 'trip', schema, strict: true } },
      }),
    );
    expect(JSON.parse(json.choices[0]?.message.content ?? '')).toEqual({ city: 'Paris', days: 42 });
    const mode = expectOk(
      await roundTrip(rt, {
        messages: [{ role: 'user', content: 'JSON please' }],
        response_format: { type: 'json_object' },
      }),
    );
    expect(() => JSON.parse(mode.choices[0]?.message.content ?? '')).not.toThrow();
  });

  it('images and the developer role are accepted in Mistral form', async () => {
    const json = expectOk(
      await roundTrip(rt, {
        messages: [
          { role: 'developer', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            ],
          },
        ],
      }),
    );
    expect(json.finish_reason).toBe('stop');
  });

  it('max tokens: finish length, streamed and not', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'Tell me a long story' }], max_tokens: 3 };
    const { json, streamed } = await askBothWays(rt, request);
    expect(json.finish_reason).toBe('length');
    expect(json.usage?.completion_tokens).toBe(3);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('Magistral reasoning arrives as reasoning_content, never in content', async () => {
    const magistral = { ...rt, model: 'magistral-medium-latest' };
    const json = expectOk(await roundTrip(magistral, { reasoning_effort: 'high' }));
    const streamed = expectOk(await roundTrip(magistral, {}, true));
    expect(json.choices[0]?.message.reasoning_content).toContain('The user wrote');
    expect(json.choices[0]?.message.content).not.toContain('The user wrote');
    expect(json.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('n = 2 streams two choices that reassemble like the JSON answer', async () => {
    const { json, streamed } = await askBothWays(rt, { n: 2 });
    expect(json.choices).toHaveLength(2);
    expect(comparable(streamed)).toEqual(comparable(json));
  });

  it('errors are classified: 429 with retry-after, 401, 503 overloaded, 422 names the field', async () => {
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 4 } });
    expect(expectFailure(await roundTrip(rt, {}))).toMatchObject({
      errorClass: 'rate_limited',
      retryAfterMs: 4000,
      code: '1300',
    });
    expect(expectFailure(await roundTrip({ ...rt, apiKey: 'wrong' }, {}))).toMatchObject({
      errorClass: 'auth',
      status: 401,
    });
    fake.control.enqueue({ fault: { kind: 'status', status: 503 } });
    expect(expectFailure(await roundTrip(rt, {}, true))).toMatchObject({ errorClass: 'overloaded' });
    expect(
      expectFailure(await roundTrip(rt, { reasoning_effort: 'max', prompt_mode: 'thinking' })),
    ).toMatchObject({
      errorClass: 'bad_request',
      status: 422,
      param: 'prompt_mode',
    });
  });

  it('a mid-stream error event becomes a classified UpstreamStreamError', async () => {
    fake.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2, status: 503 } });
    await expect(roundTrip(rt, {}, true)).rejects.toMatchObject({
      name: 'UpstreamStreamError',
      failure: { errorClass: 'overloaded' },
    });
  });
});
