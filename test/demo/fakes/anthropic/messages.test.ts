import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { REDACTED_THINKING_TRIGGER } from '../../../../src/demo/fakes/anthropic/index.ts';
import { API_KEY, MODEL, MODEL_ID, post, startFake, WEATHER_TOOL } from './fake-anthropic-fixture.ts';

const hello = {
  model: MODEL,
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Hello there' }],
};

describe('fake Anthropic messages, through the official SDK', () => {
  it('answers messages.create with a Message, the dated model id and usage', async () => {
    const { client, fake } = await startFake();
    const message = await client.messages.create(hello);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL_ID,
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    const [block] = message.content;
    expect(block?.type === 'text' && block.text).toContain('You said: "Hello there"');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    // SDK 1.x sends its API version and the key as a bearer token.
    expect(fake.requests[0]?.headers['anthropic-version']).toBe('2026-10-21');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('sends request-id, the organization id and the rate-limit headers', async () => {
    const { client } = await startFake();
    const { response, data } = await client.messages.create(hello).withResponse();
    expect(data.type).toBe('message');
    expect(response.headers.get('request-id')).toMatch(/^req_011C/);
    expect(response.headers.get('anthropic-organization-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const dimension of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
      expect(Number(response.headers.get(`anthropic-ratelimit-${dimension}-limit`))).toBeGreaterThan(0);
      expect(response.headers.get(`anthropic-ratelimit-${dimension}-reset`)).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
    }
  });

  it('streams the §2.7 event sequence, and finalMessage equals a non-streamed answer', async () => {
    const { client, fake } = await startFake();
    const stream = client.messages.stream(hello);
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const streamed = await stream.finalMessage();
    const whole = await client.messages.create(hello);
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events).toContain('content_block_delta');
    // The stream helper adds parsed_output (null without a parser); the rest is the same Message.
    const { parsed_output: _parsed, ...rest } = streamed as typeof streamed & { parsed_output?: unknown };
    expect({ ...rest, id: '' }).toEqual({ ...whole, id: '' });
    const raw = await post(fake, { ...hello, stream: true });
    expect(raw.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const names = [...raw.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.at(-1)).toBe('message_stop');
  });

  it('streams usage split over message_start (input) and message_delta (cumulative)', async () => {
    const { fake } = await startFake();
    const raw = await post(fake, { ...hello, stream: true });
    const datas = [...raw.text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '{}'));
    const start = datas.find((d) => d.type === 'message_start');
    const delta = datas.find((d) => d.type === 'message_delta');
    expect(start.message.usage.output_tokens).toBe(1);
    expect(delta.usage.input_tokens).toBe(start.message.usage.input_tokens);
    expect(delta.usage.output_tokens).toBeGreaterThan(1);
  });

  it('calls a tool, streamed as input_json_delta, and answers the tool result', async () => {
    const { client } = await startFake();
    const ask = {
      model: MODEL,
      max_tokens: 512,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
    };
    const stream = client.messages.stream(ask);
    const jsonDeltas: string[] = [];
    stream.on('inputJson', (delta) => jsonDeltas.push(delta));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    const call = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });
    expect(call?.id).toMatch(/^toolu_01/);
    expect(jsonDeltas.join('')).toBe(JSON.stringify(call?.input));

    const answer = await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: message.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: call?.id ?? '', content: '18°C and sunny' }],
        },
      ],
    });
    expect(answer.stop_reason).toBe('end_turn');
    expect(answer.content[0]?.type === 'text' && answer.content[0].text).toContain('18°C and sunny');
  });

  it('forces a named tool with tool_choice, one call when parallel use is off', async () => {
    const { client } = await startFake();
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 512,
      tools: [{ name: 'noop', input_schema: { type: 'object', properties: {} } }, WEATHER_TOOL],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'Go' }],
    });
    expect(
      message.content.filter((b) => b.type === 'tool_use').map((b) => (b as Anthropic.ToolUseBlock).name),
    ).toEqual(['get_weather']);
  });

  it('thinks with a budget: a signed thinking block first, thinking tokens counted in output', async () => {
    const { client } = await startFake();
    const stream = client.messages.stream({
      ...hello,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    const thinking: string[] = [];
    let signature = '';
    stream.on('thinking', (delta) => thinking.push(delta));
    stream.on('signature', (value) => {
      signature = value;
    });
    const message = await stream.finalMessage();
    const [first, second] = message.content;
    expect(first?.type).toBe('thinking');
    expect(second?.type).toBe('text');
    expect(first?.type === 'thinking' && first.thinking).toBe(thinking.join(''));
    expect(first?.type === 'thinking' && first.signature).toBe(signature);
    expect(signature).not.toBe('');
    expect(message.usage.output_tokens_details?.thinking_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(
      message.usage.output_tokens_details?.thinking_tokens ?? 0,
    );
  });

  it('thinks by default on the 5-series, adaptively, and omits the text when asked', async () => {
    const { client } = await startFake();
    const byDefault = await client.messages.create({ ...hello, model: 'claude-sonnet-5' });
    expect(byDefault.content[0]?.type).toBe('thinking');
    const omitted = await client.messages.create({
      ...hello,
      model: 'claude-opus-4-8',
      thinking: { type: 'adaptive', display: 'omitted' },
      output_config: { effort: 'low' },
    });
    expect(omitted.content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    const off = await client.messages.create({
      ...hello,
      model: 'claude-sonnet-5',
      thinking: { type: 'disabled' },
    });
    expect(off.content[0]?.type).toBe('text');
  });

  it('returns a redacted_thinking block for the documented trigger, and takes it back', async () => {
    const { client } = await startFake();
    const ask = {
      model: MODEL,
      max_tokens: 4096,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      messages: [{ role: 'user' as const, content: REDACTED_THINKING_TRIGGER }],
    };
    const message = await client.messages.create(ask);
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
    const next = await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: message.content },
        { role: 'user', content: 'And?' },
      ],
    });
    expect(next.stop_reason).toBe('end_turn');
  });

  it('follows a JSON schema in output_config.format', async () => {
    const { client } = await startFake();
    const message = await client.messages.create({
      ...hello,
      output_config: {
        format: {
          type: 'json_schema',
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'integer' } },
            required: ['name', 'age'],
            additionalProperties: false,
          },
        },
      },
    });
    const text = message.content[0]?.type === 'text' ? message.content[0].text : '';
    expect(JSON.parse(text)).toEqual({ name: 'Ada Lovelace', age: 42 });
  });

  it('reads base64 and URL images', async () => {
    const { client } = await startFake();
    const message = await client.messages.create({
      ...hello,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(message.usage.input_tokens).toBeGreaterThan(170);
  });

  it('stops at a stop sequence and at max_tokens', async () => {
    const { client } = await startFake();
    const stopped = await client.messages.create({ ...hello, stop_sequences: ['simulated'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'simulated' });
    expect(stopped.content[0]?.type === 'text' && stopped.content[0].text).not.toContain('simulated');
    const cut = await client.messages.create({ ...hello, max_tokens: 5 });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(5);
  });

  it('simulates prompt caching: the first request writes, the next reads', async () => {
    const { client } = await startFake();
    const longSystem = 'You are a meticulous assistant. '.repeat(300);
    const ask = {
      ...hello,
      system: [{ type: 'text' as const, text: longSystem, cache_control: { type: 'ephemeral' as const } }],
    };
    const first = await client.messages.create(ask);
    const second = await client.messages.create(ask);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThanOrEqual(2048);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(
      first.usage.cache_creation_input_tokens,
    );
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    const total = (u: Anthropic.Usage) =>
      u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
    expect(total(second.usage)).toBe(total(first.usage));
  });

  it('cache entries expire after their TTL; a 1h marker is reported as such', async () => {
    let now = 1_767_225_600_000;
    const { client } = await startFake({ clock: () => now });
    const system = (ttl?: '1h') => [
      {
        type: 'text' as const,
        // The TTL is not part of the cached prefix: a different text for the 1h entry.
        text: `${ttl ?? ''}Reference material. `.repeat(500),
        cache_control:
          ttl === undefined ? { type: 'ephemeral' as const } : { type: 'ephemeral' as const, ttl },
      },
    ];
    const written = await client.messages.create({ ...hello, system: system() });
    now += 6 * 60_000;
    const expired = await client.messages.create({ ...hello, system: system() });
    expect(expired.usage.cache_read_input_tokens).toBe(0);
    expect(expired.usage.cache_creation_input_tokens).toBe(written.usage.cache_creation_input_tokens);
    const hour = await client.messages.create({
      ...hello,
      system: system('1h'),
      messages: [{ role: 'user', content: 'Other' }],
    });
    expect(hour.usage.cache_creation?.ephemeral_1h_input_tokens).toBeGreaterThan(0);
    expect(hour.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(0);
  });

  it('a prefix under the minimum cacheable size is not cached', async () => {
    const { client } = await startFake();
    const ask = {
      ...hello,
      system: [{ type: 'text' as const, text: 'Short.', cache_control: { type: 'ephemeral' as const } }],
    };
    await client.messages.create(ask);
    const second = await client.messages.create(ask);
    expect(second.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('counts tokens', async () => {
    const { client } = await startFake();
    const count = await client.messages.countTokens({ model: MODEL, messages: hello.messages });
    const message = await client.messages.create(hello);
    expect(count.input_tokens).toBe(message.usage.input_tokens);
  });

  it('merges consecutive same-role messages, as the API does', async () => {
    const { client } = await startFake();
    const message = await client.messages.create({
      ...hello,
      messages: [
        { role: 'user', content: 'One' },
        { role: 'user', content: 'Two' },
      ],
    });
    expect(message.content[0]?.type === 'text' && message.content[0].text).toContain('One Two');
  });

  it('lists and retrieves models, with paging', async () => {
    const { client } = await startFake();
    const page = await client.models.list({ limit: 3 });
    expect(page.data).toHaveLength(3);
    // Newest first; models released the same day by id.
    expect(page.data[0]).toMatchObject({ type: 'model', id: 'claude-haiku-5-5', max_tokens: 128_000 });
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const model of client.models.list({ limit: 4 })) all.push(model.id);
    expect(all).toContain('claude-haiku-4-5-20251001');
    expect(new Set(all).size).toBe(all.length);
    expect(await client.models.retrieve('claude-haiku-4-5')).toMatchObject({
      id: 'claude-haiku-4-5-20251001',
      display_name: 'Claude Haiku 4.5',
    });
    const missing = await client.models.retrieve('claude-nope').catch((e: unknown) => e);
    expect((missing as { status?: number }).status).toBe(404);
  });

  it('scripts a reply per request through the control', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({
      reply: { content: 'Scripted.', usage: { promptTokens: 1000, cachedTokens: 800 } },
    });
    const message = await client.messages.create(hello);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Scripted.' });
    expect(message.usage).toMatchObject({
      input_tokens: 200,
      cache_read_input_tokens: 800,
      cache_creation_input_tokens: 0,
    });
  });
});
