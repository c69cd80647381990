import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { WEATHER_TOOL } from '../../../helpers/weather-tool.ts';
import { postRaw, startFake } from './deepseek-fixture.ts';

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
type Thinking = { thinking?: { type: 'enabled' | 'disabled' } };

describe('fake DeepSeek through the official openai SDK', () => {
  it('answers deepseek-chat with text, a UUID id, a fingerprint and cache counters in usage', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(res.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}_prod0820_fp8_kvcache$/);
    expect(res.choices[0]?.message.content).toContain('Hello from deepseek-chat');
    const usage = res.usage as unknown as Record<string, number>;
    expect((usage.prompt_cache_hit_tokens ?? 0) + (usage.prompt_cache_miss_tokens ?? 0)).toBe(
      usage.prompt_tokens,
    );
  });

  it('thinks on deepseek-reasoner: reasoning_content beside content, reasoning tokens in usage', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({ model: 'deepseek-reasoner', messages });
    const message = res.choices[0]?.message as unknown as { content: string; reasoning_content: string };
    expect(message.reasoning_content).toContain('The user wrote');
    expect(message.content).not.toContain('The user wrote');
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it('the thinking switch rides in extra_body, as DeepSeek documents', async () => {
    const { client, fake } = await startFake();
    const params = { model: 'deepseek-chat', messages, thinking: { type: 'enabled' } } as const;
    const res = await client.chat.completions.create(params as typeof params & Thinking as never);
    expect(
      (res as unknown as { choices: Array<{ message: { reasoning_content?: string } }> }).choices[0]?.message
        .reasoning_content,
    ).toBeTruthy();
    expect(fake.requests[0]?.body).toMatchObject({ thinking: { type: 'enabled' } });
  });

  it('streams reasoning then content, with usage on the finish chunk and `: keep-alive` first', async () => {
    const { client, fake } = await startFake();
    const stream = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: null, reasoning_content: '' });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe('stop');
    expect(last?.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    const raw = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', messages, stream: true }),
    });
    expect((await raw.text()).startsWith(': keep-alive\n\n')).toBe(true);
  });

  it('tool calls: ids like call_00_…, content "" and the OpenAI stream helper accepts the fragments', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({
      model: 'deepseek-chat',
      messages,
      tools: [WEATHER_TOOL],
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(res.choices[0]?.message.content).toBe('');
    expect(call?.id).toMatch(/^call_00_[A-Za-z0-9]{24}$/);
    const final = await client.chat.completions
      .stream({ model: 'deepseek-chat', messages, tools: [WEATHER_TOOL] })
      .finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
  });

  it('a thinking tool loop works when reasoning_content goes back, and is refused when it does not', async () => {
    const { client } = await startFake();
    const first = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages,
      tools: [WEATHER_TOOL],
    });
    const assistant = first.choices[0]?.message as unknown as {
      content: string;
      reasoning_content: string;
      tool_calls: Array<{ id: string }>;
    };
    const toolResult = {
      role: 'tool' as const,
      tool_call_id: assistant.tool_calls[0]?.id ?? '',
      content: '18°C',
    };
    const ok = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      tools: [WEATHER_TOOL],
      messages: [...messages, assistant as never, toolResult],
    });
    expect(ok.choices[0]?.message.content).toContain('18°C');
    const { reasoning_content: _dropped, ...withoutReasoning } = assistant;
    const error = await client.chat.completions
      .create({
        model: 'deepseek-reasoner',
        tools: [WEATHER_TOOL],
        messages: [...messages, withoutReasoning as never, toolResult],
      })
      .catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(400);
    expect((error as Error).message).toContain(
      'Missing `reasoning_content` field in the assistant message at message index 1',
    );
  });

  it('JSON mode answers JSON', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({
      model: 'deepseek-chat',
      messages,
      response_format: { type: 'json_object' },
    });
    expect(() => JSON.parse(res.choices[0]?.message.content ?? '')).not.toThrow();
  });

  it('lists models and the balance', async () => {
    const { client, fake } = await startFake();
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
    const balance = await fetch(`${fake.url}/user/balance`, { headers: { authorization: 'Bearer k' } });
    expect(await balance.json()).toMatchObject({ is_available: true });
  });

  it('also answers under the optional /v1 prefix', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', messages }),
    });
    expect(res.status).toBe(200);
  });

  // Issue 10: a tool parameter named `__proto__` (or `constructor`) crashed the fake's argument builder.
  it('calls a tool whose parameters are named __proto__ and constructor, with both in the arguments', async () => {
    const { fake } = await startFake();
    // JSON.parse, as the fake's own body parser does, makes `__proto__` an own property.
    const parameters = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"object","properties":{"x":{"type":"string"}}},"constructor":{"type":"string"}},"required":["__proto__","constructor"]}',
    );
    const res = await postRaw(fake, {
      model: 'deepseek-chat',
      messages,
      tools: [{ type: 'function', function: { name: 'odd_names', parameters } }],
      tool_choice: 'required',
    });
    expect(res.status).toBe(200);
    const call = (
      res.body as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> }
    ).choices[0]?.message.tool_calls[0];
    const args = JSON.parse(call?.function.arguments ?? '{}') as Record<string, unknown>;
    expect(Object.keys(args).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(args, '__proto__')?.value).toEqual({ x: 'example x' });
    expect(args.constructor).toBe('example constructor');
  });

  // Issue 10: a role named like an Object member read the prototype out of the fake's field table.
  it('refuses a message role such as constructor with a 400, not a crash', async () => {
    const { fake } = await startFake();
    for (const role of ['constructor', '__proto__', 'toString']) {
      const res = await postRaw(fake, { model: 'deepseek-chat', messages: [{ role, content: 'hi' }] });
      expect(res.status).toBe(400);
    }
  });
});
