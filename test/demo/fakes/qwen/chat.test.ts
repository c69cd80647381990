import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { WEATHER_TOOL } from '../../../helpers/weather-tool.ts';
import { type QwenExtras, startFake } from './qwen-fixture.ts';

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

describe('fake Qwen (compatible mode) through the official openai SDK', () => {
  it('answers text with a chatcmpl-<uuid> id, null fingerprint and cached_tokens in usage', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({ model: 'qwen-plus', messages });
    expect(res.id).toMatch(/^chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.system_fingerprint).toBeNull();
    expect(res.choices[0]?.message.content).toContain('Hello from qwen-plus');
    expect(res.usage?.prompt_tokens_details).toEqual({ cached_tokens: 0 });
  });

  it('streams with enable_thinking from extra_body: reasoning first, then content, then the usage chunk', async () => {
    const { client, fake } = await startFake();
    const params: ChatCompletionCreateParamsStreaming & QwenExtras = {
      model: 'qwen-plus',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      enable_thinking: true,
      thinking_budget: 200,
    };
    const stream = await client.chat.completions.create(params);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(fake.requests[0]?.body).toMatchObject({ enable_thinking: true, thinking_budget: 200 });
    expect(chunks[0]?.choices[0]?.delta).toEqual({ content: null, role: 'assistant', reasoning_content: '' });
    const reasoning = chunks
      .map(
        (c) =>
          (c.choices[0]?.delta as { reasoning_content?: string | null } | undefined)?.reasoning_content ?? '',
      )
      .join('');
    expect(reasoning).toContain('The user wrote');
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it("streams a tool call with Qwen's repeated empty ids, and the OpenAI stream helper still assembles it", async () => {
    const { client } = await startFake();
    const stream = await client.chat.completions.create({
      model: 'qwen3-max',
      messages,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const later = chunks.slice(1).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(later.length).toBeGreaterThan(1);
    expect(later.every((call) => call.id === '' && call.type === 'function')).toBe(true);
    const final = await client.chat.completions
      .stream({ model: 'qwen3-max', messages, tools: [WEATHER_TOOL] })
      .finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('a tool loop: tool_calls with index and content "", then the result', async () => {
    const { client } = await startFake();
    const first = await client.chat.completions.create({
      model: 'qwen-plus',
      messages,
      tools: [WEATHER_TOOL],
    });
    const message = first.choices[0]?.message;
    expect(message?.content).toBe('');
    expect(message?.tool_calls?.[0]).toMatchObject({ index: 0, type: 'function' });
    const call = message?.tool_calls?.[0];
    const second = await client.chat.completions.create({
      model: 'qwen-plus',
      tools: [WEATHER_TOOL],
      messages: [
        ...messages,
        { role: 'assistant', content: '', tool_calls: call ? [call] : [] },
        { role: 'tool', tool_call_id: call?.id ?? '', content: '18°C' },
      ],
    });
    expect(second.choices[0]?.message.content).toContain('18°C');
  });

  it('json_schema, images, n and logprobs are native', async () => {
    const { client } = await startFake();
    const res = await client.chat.completions.create({
      model: 'qwen-vl-plus',
      n: 2,
      seed: 7,
      logprobs: true,
      top_logprobs: 2,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'text', text: 'Name the city' },
          ],
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'c',
          schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    });
    expect(res.choices).toHaveLength(2);
    expect(JSON.parse(res.choices[1]?.message.content ?? '')).toEqual({ city: 'Paris' });
  });

  it('lists models under /compatible-mode/v1/models', async () => {
    const { client } = await startFake();
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('qwen-plus');
  });
});
