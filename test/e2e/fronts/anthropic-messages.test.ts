/**
 * The Anthropic SDK against /v1/messages with an OpenAI, a Gemini and an Anthropic target (issue 17):
 * text, tool use and its round trip, thinking, usage and stop reasons, whole and streamed.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../../src/demo/fakes/anthropic/index.ts';
import { startGeminiFake } from '../../../src/demo/fakes/gemini/index.ts';
import { startFakeOpenAI } from '../../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.ts';

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const rows = [
  {
    type: 'openai',
    model: 'gpt-4.1',
    thinkingModel: undefined,
    start: () => startFakeOpenAI({ keys: ['k'] }),
    baseUrl: (fake: FakeServer) => `${fake.url}/v1`,
  },
  {
    type: 'gemini',
    model: 'gemini-2.5-flash',
    thinkingModel: 'gemini-3-flash-preview',
    start: () => startGeminiFake({ keys: ['k'] }),
    baseUrl: (fake: FakeServer) => fake.url,
  },
  {
    type: 'anthropic',
    model: 'claude-sonnet-4-5',
    thinkingModel: 'claude-sonnet-4-5',
    start: () => startAnthropicFake({ keys: ['k'] }),
    baseUrl: (fake: FakeServer) => fake.url,
  },
];

for (const row of rows) {
  describe(`/v1/messages to ${row.type}`, () => {
    let fake: FakeServer;
    let gw: TestGateway;
    let client: Anthropic;
    const model = `p/${row.model}`;

    beforeAll(async () => {
      fake = await row.start();
      gw = await startTestGateway({
        providers: { p: { type: row.type, keys: ['k'], base_url: row.baseUrl(fake) } },
      });
      client = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
    });
    afterAll(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('answers text with usage and end_turn', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 256,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      expect(message.id).toMatch(/^msg_/);
      expect(message.stop_reason).toBe('end_turn');
      const text = message.content.find((block) => block.type === 'text');
      expect(text?.type === 'text' && text.text.length > 0).toBe(true);
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    });

    it('streams the same kind of answer (finalMessage)', async () => {
      const events: string[] = [];
      const stream = client.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      stream.on('streamEvent', (event) => events.push(event.type));
      const message = await stream.finalMessage();
      expect(events[0]).toBe('message_start');
      expect(events.at(-1)).toBe('message_stop');
      expect(events).toContain('content_block_delta');
      expect(message.stop_reason).toBe('end_turn');
      const text = message.content.find((block) => block.type === 'text');
      expect(text?.type === 'text' && text.text.length > 0).toBe(true);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(message.usage.input_tokens).toBeGreaterThan(0);
    });

    it('calls a tool and takes its result back, whole and streamed', async () => {
      const first = await client.messages.create({
        model,
        max_tokens: 256,
        tools: [weather],
        tool_choice: { type: 'tool', name: 'get_weather' },
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((block) => block.type === 'tool_use');
      if (use?.type !== 'tool_use') throw new Error('no tool_use block');
      expect(use.name).toBe('get_weather');
      expect(typeof (use.input as { city?: unknown }).city).toBe('string');

      const streamed = await client.messages
        .stream({
          model,
          max_tokens: 256,
          tools: [weather],
          tool_choice: { type: 'any' },
          messages: [{ role: 'user', content: 'Weather in Paris?' }],
        })
        .finalMessage();
      expect(streamed.stop_reason).toBe('tool_use');
      const streamedUse = streamed.content.find((block) => block.type === 'tool_use');
      expect(streamedUse?.type === 'tool_use' && typeof (streamedUse.input as { city?: unknown }).city).toBe(
        'string',
      );

      const second = await client.messages.create({
        model,
        max_tokens: 256,
        tools: [weather],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 degrees and sunny' }],
          },
        ],
      });
      expect(second.stop_reason).toBe('end_turn');
      const text = second.content.find((block) => block.type === 'text');
      expect(text?.type === 'text' && text.text).toContain('18 degrees');
    });

    it.runIf(row.thinkingModel !== undefined)(
      'returns thinking, whole and streamed, and takes it back',
      async () => {
        const thinkingModel = `p/${row.thinkingModel}`;
        const params = {
          model: thinkingModel,
          max_tokens: 4096,
          thinking: { type: 'enabled' as const, budget_tokens: 2048 },
          messages: [{ role: 'user' as const, content: 'Think, then answer: 2+2?' }],
        };
        const message = await client.messages.create(params);
        const thinking = message.content.find((block) => block.type === 'thinking');
        expect(thinking?.type === 'thinking' && thinking.thinking.length > 0).toBe(true);
        const streamed = await client.messages.stream(params).finalMessage();
        const streamedThinking = streamed.content.filter((block) => block.type === 'thinking');
        expect(
          streamedThinking.map((block) => (block.type === 'thinking' ? block.thinking : '')).join(''),
        ).not.toBe('');
        // The next turn carries the thinking blocks back, as Claude Code does.
        const next = await client.messages.create({
          ...params,
          messages: [
            ...params.messages,
            { role: 'assistant', content: streamed.content },
            { role: 'user', content: 'And 3+3?' },
          ],
        });
        expect(next.stop_reason).toBe('end_turn');
      },
    );

    it.runIf(row.type === 'openai')(
      'serves an OpenAI reasoning model (which refuses max_tokens)',
      async () => {
        const message = await client.messages.create({
          model: 'p/o4-mini',
          max_tokens: 2048,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          messages: [{ role: 'user', content: 'Say hello' }],
        });
        expect(message.stop_reason).toBe('end_turn');
        expect(fake.requests.at(-1)?.body).toMatchObject({
          max_completion_tokens: 2048,
          reasoning_effort: 'minimal',
        });
      },
    );

    it('stops at max_tokens with stop_reason max_tokens', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 2,
        messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper and the sea.' }],
      });
      expect(message.stop_reason).toBe('max_tokens');
    });

    it.runIf(row.type !== 'anthropic')(
      'refuses a server tool, which only Claude has, with a 400',
      async () => {
        const before = fake.requests.length;
        const error = await client.messages
          .create({
            model,
            max_tokens: 64,
            tools: [{ type: 'web_search_20250305', name: 'web_search' }],
            messages: [{ role: 'user', content: 'Search' }],
          })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toContain(
          'web_search_20250305',
        );
        expect(fake.requests.length).toBe(before);
      },
    );

    it("answers errors in Anthropic's envelope", async () => {
      const error = await client.messages
        .create({ model: 'no-such-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.NotFoundError);
      expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
        type: 'error',
        error: { type: 'not_found_error' },
      });
      const bad = await client.messages
        .create({
          model,
          messages: [{ role: 'user', content: 'hi' }],
        } as unknown as Anthropic.MessageCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
      expect((bad as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('max_tokens');
    });
  });
}
