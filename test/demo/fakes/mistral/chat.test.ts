import { describe, expect, it } from 'vitest';
import { WEATHER_TOOL } from '../../../helpers/weather-tool.ts';
import { startFake } from './mistral-fixture.ts';

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

describe('fake Mistral through the official SDK', () => {
  it('chat.complete answers text with usage the SDK parses', async () => {
    const { client } = await startFake();
    const res = await client.chat.complete({ model: 'mistral-small-latest', messages });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.model).toBe('mistral-small-latest');
    expect(res.choices[0]?.finishReason).toBe('stop');
    expect(res.choices[0]?.message?.content).toContain('Hello from mistral-small-latest');
    expect(res.usage.totalTokens).toBe((res.usage.promptTokens ?? 0) + (res.usage.completionTokens ?? 0));
  });

  it('chat.stream sends a role chunk, text deltas and usage on the final chunk only', async () => {
    const { client } = await startFake();
    const stream = await client.chat.stream({ model: 'mistral-small-latest', messages });
    const events = [];
    for await (const event of stream) events.push(event.data);
    expect(events[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const text = events
      .map((e) => (typeof e.choices[0]?.delta.content === 'string' ? e.choices[0].delta.content : ''))
      .join('');
    expect(text).toContain('Hello from mistral-small-latest');
    expect(events.slice(0, -1).every((e) => e.usage === undefined)).toBe(true);
    const last = events.at(-1);
    expect(last?.choices[0]?.finishReason).toBe('stop');
    expect(last?.usage?.completionTokens).toBeGreaterThan(0);
  });

  it('answers a tool call with a 9-character id and no type, and takes the id back in history', async () => {
    const { client } = await startFake();
    const first = await client.chat.complete({
      model: 'mistral-small-latest',
      messages,
      tools: [WEATHER_TOOL],
      toolChoice: 'any',
    });
    const call = first.choices[0]?.message?.toolCalls?.[0];
    expect(first.choices[0]?.finishReason).toBe('tool_calls');
    expect(call?.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(call?.function.name).toBe('get_weather');
    expect(JSON.parse(String(call?.function.arguments))).toEqual({ city: 'Paris' });
    const second = await client.chat.complete({
      model: 'mistral-small-latest',
      tools: [WEATHER_TOOL],
      messages: [
        ...messages,
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: call?.id ?? '', type: 'function', function: call?.function ?? { name: '', arguments: '' } },
          ],
        },
        { role: 'tool', toolCallId: call?.id ?? '', name: 'get_weather', content: '18°C and sunny' },
      ],
    });
    expect(second.choices[0]?.message?.content).toContain('18°C and sunny');
  });

  it('streams a tool call whole in the final delta, without index or type, beside finish and usage', async () => {
    const { client } = await startFake();
    const stream = await client.chat.stream({
      model: 'mistral-small-latest',
      messages,
      tools: [WEATHER_TOOL],
    });
    const events = [];
    for await (const event of stream) events.push(event.data);
    expect(events).toHaveLength(2);
    const last = events[1];
    expect(last?.choices[0]?.finishReason).toBe('tool_calls');
    expect(last?.choices[0]?.delta.toolCalls?.[0]?.function.name).toBe('get_weather');
    expect(last?.usage?.promptTokens).toBeGreaterThan(0);
  });

  it('answers Magistral with thinking chunks before the text', async () => {
    const { client } = await startFake();
    const res = await client.chat.complete({ model: 'magistral-medium-latest', messages });
    const content = res.choices[0]?.message?.content;
    expect(Array.isArray(content)).toBe(true);
    expect((content as Array<{ type: string }>).map((c) => c.type)).toEqual(['thinking', 'text']);
    expect(res.usage).toMatchObject({ completion_tokens_details: { reasoning_tokens: expect.any(Number) } });
  });

  it('takes a json_schema response_format and answers matching JSON', async () => {
    const { client } = await startFake();
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      messages,
      responseFormat: {
        type: 'json_schema',
        jsonSchema: {
          name: 'city',
          schemaDefinition: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    });
    expect(JSON.parse(String(res.choices[0]?.message?.content))).toEqual({ city: 'Paris' });
  });

  it('takes images as image_url chunks and returns n choices', async () => {
    const { client } = await startFake();
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      n: 2,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', imageUrl: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
  });

  it('lists models with Mistral model cards', async () => {
    const { client } = await startFake();
    const list = await client.models.list();
    const cards = (list.data ?? []) as Array<{ id: string }>;
    expect(cards.map((m) => m.id)).toContain('mistral-small-latest');
    const card = cards.find((m) => m.id === 'magistral-medium-latest');
    expect(card).toMatchObject({ type: 'base', capabilities: { completionChat: true, reasoning: true } });
  });
});
