/**
 * The same OpenAI-SDK client calls through the gateway for every provider (issue 4): each provider's
 * adapter must make its native fake look exactly like OpenAI. Expectations that depend on what a
 * provider can do read the adapter's declared capabilities, so this suite also keeps them honest.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { providerRegistry, type ProviderType } from '../../src/providers/registry.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { providerMatrix } from '../helpers/provider-matrix.ts';

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
};

// A 1x1 transparent PNG.
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Each call mints a fresh tool-call id, so two answers agree on having one, not on its value. */
const hasId = (id: string) => id.length > 0;

/**
 * What a client reads from an answer: text, reasoning, tool calls (arguments as JSON: a provider may
 * space a streamed argument string differently from the one it answers whole) and the finish reason.
 */
function answerOf(completion: OpenAI.ChatCompletion, streamedReasoning?: string) {
  const choice = completion.choices[0];
  const message = choice?.message as
    | (OpenAI.ChatCompletionMessage & { reasoning_content?: string | null })
    | undefined;
  const reasoning = streamedReasoning ?? message?.reasoning_content ?? '';
  return {
    content: message?.content,
    reasoning: reasoning === '' ? null : reasoning,
    toolCalls: (message?.tool_calls ?? []).map((call) =>
      call.type === 'function'
        ? {
            name: call.function.name,
            arguments: JSON.parse(call.function.arguments) as unknown,
            hasId: hasId(call.id),
          }
        : call,
    ),
    finishReason: choice?.finish_reason,
  };
}

for (const row of providerMatrix) {
  describe(`${row.type} through the gateway`, () => {
    let fake: FakeServer;
    let gw: TestGateway;
    const model = `p/${row.model}`;
    const capabilities = providerRegistry[row.type as ProviderType].capabilities;

    beforeAll(async () => {
      fake = await row.startFake(row.key);
      gw = await startTestGateway({
        providers: { p: { type: row.type, keys: [row.key], base_url: row.baseUrl(fake) } },
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('answers a plain completion', async () => {
      const completion = await gw.client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello' },
        ],
      });
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0]?.message.role).toBe('assistant');
      expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(completion.choices[0]?.finish_reason).toBe('stop');
      const usage = completion.usage;
      expect(usage?.prompt_tokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    });

    it('streams chunks that reassemble to the non-streaming answer, usage included', async () => {
      const request = { model, messages: [{ role: 'user' as const, content: 'Tell me about the sea' }] };
      const { plain, streamed: final, chunks } = await plainAndStreamed(gw.client, request);
      expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
      expect(final.choices[0]?.finish_reason).toBe(plain.choices[0]?.finish_reason);
      const usageChunk = chunks.at(-1);
      expect(usageChunk?.choices).toEqual([]);
      expect(usageChunk?.usage).toEqual(plain.usage);
      expect(chunks.slice(0, -1).every((chunk) => chunk.model === chunks[0]?.model)).toBe(true);
    });

    it('streams the same message, finish reason and usage as the non-streaming answer, exactly', async () => {
      const cases: Array<
        Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'model' | 'stream'> & { model?: string }
      > = [
        { messages: [{ role: 'user', content: 'Tell me about the sea' }] },
        {
          messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
          tools: [weatherTool],
          tool_choice: 'required',
        },
        { messages: [{ role: 'user', content: 'Tell me a long story about the sea' }], max_tokens: 3 },
        {
          model: `p/${row.reasoningModel}`,
          messages: [{ role: 'user', content: 'Think about why the sky is blue' }],
          reasoning_effort: 'low',
        },
      ];
      for (const body of cases) {
        const { plain, streamed, chunks } = await plainAndStreamed(gw.client, { model, ...body });
        const label = JSON.stringify(body.messages[0]?.content);
        // The SDK helper keeps only the last piece of a field it does not know, so reasoning is summed here.
        const reasoning = chunks
          .map((chunk) => chunk.choices[0]?.delta as { reasoning_content?: string | null } | undefined)
          .map((delta) => delta?.reasoning_content ?? '')
          .join('');
        expect(answerOf(streamed, reasoning), label).toEqual(answerOf(plain));
        expect(chunks.at(-1)?.choices, label).toEqual([]);
        expect(chunks.at(-1)?.usage, label).toEqual(plain.usage);
      }
    });

    it('calls tools, and the streamed call reassembles to the same call', async () => {
      const request = {
        model,
        messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
        tools: [weatherTool],
        tool_choice: 'required' as const,
      };
      const plain = await gw.client.chat.completions.create(request);
      const call = plain.choices[0]?.message.tool_calls?.[0];
      expect(plain.choices[0]?.finish_reason).toBe('tool_calls');
      if (call?.type !== 'function') throw new Error('expected a function tool call');
      expect(call.function.name).toBe('get_weather');
      expect(JSON.parse(call.function.arguments)).toHaveProperty('city');

      const streamed = await gw.client.chat.completions.stream(request).finalChatCompletion();
      const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
      expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');
      if (streamedCall?.type !== 'function') throw new Error('expected a streamed function tool call');
      expect(streamedCall.function.name).toBe(call.function.name);
      expect(JSON.parse(streamedCall.function.arguments)).toEqual(JSON.parse(call.function.arguments));
    });

    it('continues a conversation after a tool result', async () => {
      const first = await gw.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weatherTool],
        tool_choice: 'required',
      });
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      if (message === undefined || call === undefined) throw new Error('expected a tool call');
      const second = await gw.client.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          message,
          { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21, "sky": "clear"}' },
        ],
        tools: [weatherTool],
      });
      expect(second.choices[0]?.finish_reason).toBe('stop');
      expect(second.choices[0]?.message.content?.length).toBeGreaterThan(0);
    });

    it('takes images, or refuses them with a 400 naming the param', async () => {
      const request = gw.client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image?' },
              { type: 'image_url', image_url: { url: pixel } },
            ],
          },
        ],
      });
      if (capabilities.images === 'rejected') {
        const error = await request.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toMatch(
          /messages\[0\]\.content/,
        );
      } else {
        const completion = await request;
        expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
      }
    });

    it('answers JSON that matches a json_schema response format', async () => {
      const request = gw.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Give me a city and its population as JSON' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'city',
            strict: true,
            schema: {
              type: 'object',
              properties: { name: { type: 'string' }, population: { type: 'integer' } },
              required: ['name', 'population'],
              additionalProperties: false,
            },
          },
        },
      });
      if (capabilities.jsonSchema === 'rejected') {
        const error = await request.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('response_format');
        return;
      }
      const completion = await request;
      const parsed = JSON.parse(completion.choices[0]?.message.content ?? 'null') as Record<string, unknown>;
      expect(typeof parsed.name).toBe('string');
      expect(typeof parsed.population).toBe('number');
    });

    it('finishes with length when max_tokens cuts the answer, and with stop at a stop sequence', async () => {
      const long = 'Tell me a long story about the sea and the wind';
      const cut = await gw.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: long }],
        max_tokens: 3,
      });
      expect(cut.choices[0]?.finish_reason).toBe('length');
      expect(cut.usage?.completion_tokens).toBeLessThanOrEqual(
        3 + (cut.usage?.completion_tokens_details?.reasoning_tokens ?? 0),
      );

      const full = await gw.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: long }],
      });
      const words = (full.choices[0]?.message.content ?? '').split(' ');
      const stopWord = words[Math.min(4, words.length - 1)] ?? 'sea';
      const stopped = await gw.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: long }],
        stop: [stopWord],
      });
      expect(stopped.choices[0]?.finish_reason).toBe('stop');
      expect(stopped.choices[0]?.message.content).not.toContain(stopWord);
    });

    it('reports reasoning tokens, and reasoning text apart from the content, streamed or not', async () => {
      const request = {
        model: `p/${row.reasoningModel}`,
        messages: [{ role: 'user' as const, content: 'Think about why the sky is blue' }],
        reasoning_effort: 'low' as const,
      };
      const plain = await gw.client.chat.completions.create(request);
      const usage = plain.usage;
      const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
      expect(reasoningTokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens).toBeGreaterThanOrEqual(reasoningTokens);
      const message = plain.choices[0]?.message as OpenAI.ChatCompletionMessage & {
        reasoning_content?: string;
      };
      expect(message.content?.length).toBeGreaterThan(0);
      if (!row.exposesReasoning) return;
      expect(message.reasoning_content?.length).toBeGreaterThan(0);
      expect(message.content).not.toContain(message.reasoning_content ?? '');

      // The SDK's stream helper keeps only the last piece of a field it does not know, so collect deltas.
      const stream = await gw.client.chat.completions.create({ ...request, stream: true });
      let reasoning = '';
      let content = '';
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as
          | { content?: string | null; reasoning_content?: string | null }
          | undefined;
        reasoning += delta?.reasoning_content ?? '';
        content += delta?.content ?? '';
      }
      expect(reasoning).toBe(message.reasoning_content);
      expect(content).toBe(message.content);
    });

    it('carries what the provider needs from a reasoning turn with tool use into the next turn', async () => {
      const question = { role: 'user' as const, content: 'What is the weather in Paris? Think first.' };
      for (const streamed of [false, true]) {
        const request = {
          model: `p/${row.reasoningModel}`,
          messages: [question],
          tools: [weatherTool],
          reasoning_effort: 'low' as const,
        };
        const first = streamed
          ? await gw.client.chat.completions.stream(request).finalChatCompletion()
          : await gw.client.chat.completions.create(request);
        const message = first.choices[0]?.message;
        const call = message?.tool_calls?.[0];
        if (message === undefined || call === undefined) throw new Error('expected a tool call');
        // The assistant message goes back exactly as the SDK returned it, extra fields included.
        const second = await gw.client.chat.completions.create({
          ...request,
          messages: [
            question,
            message as OpenAI.ChatCompletionAssistantMessageParam,
            { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' },
          ],
        });
        expect(second.choices[0]?.finish_reason).toBe('stop');
      }
    });

    it('maps an upstream rate limit to a 429 with retry-after', async () => {
      // Longer than retry.max_wait_ms: a direct name's one retry does not wait it out; the client gets it.
      fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
      const error = await gw.client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
    });
  });
}

/** The same request answered whole and streamed (with the usage chunk), and the stream's chunks. */
async function plainAndStreamed(
  client: OpenAI,
  request: Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'stream'>,
): Promise<{
  plain: OpenAI.ChatCompletion;
  streamed: OpenAI.ChatCompletion;
  chunks: OpenAI.ChatCompletionChunk[];
}> {
  const plain = await client.chat.completions.create(request);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  const stream = client.chat.completions.stream({ ...request, stream_options: { include_usage: true } });
  stream.on('chunk', (chunk) => chunks.push(chunk));
  const streamed = await stream.finalChatCompletion();
  return { plain, streamed, chunks };
}
