import { describe, expect, it } from 'vitest';
import { countTokens } from '../../../../src/demo/fakes/shared/tokens.ts';
import { startFake, WEATHER_TOOL } from './fake-openai-fixture.ts';

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Tell me about the Switchyard gateway, please.' },
];

describe('fake OpenAI chat completions, driven by the openai SDK', () => {
  it('answers a text request with the full chat.completion shape', async () => {
    const { client } = await startFake();
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4.1', messages })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(completion.model).toBe('gpt-4.1-2025-04-14');
    expect(completion.created).toBe(1_767_225_600);
    expect(completion.service_tier).toBe('default');
    expect(completion.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.logprobs).toBeNull();
    expect(choice?.message).toMatchObject({ role: 'assistant', refusal: null, annotations: [] });
    expect(choice?.message.content).toContain('gpt-4.1');
    expect(choice?.message.content).toContain('Tell me about the Switchyard gateway');
    const usage = completion.usage!;
    expect(usage.completion_tokens).toBe(countTokens(choice?.message.content ?? ''));
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-processing-ms')).toBe('0');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9999');
  });

  it('streams the same message the non-streaming call returns, with a final usage chunk', async () => {
    const { client, fake } = await startFake();
    const plain = await client.chat.completions.create({ model: 'gpt-4.1', messages });
    const stream = client.chat.completions.stream({
      model: 'gpt-4.1',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: unknown[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage).toEqual(plain.usage);
    const last = chunks.at(-1) as { choices: unknown[]; usage: unknown };
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(plain.usage);
    for (const chunk of chunks.slice(0, -1)) expect((chunk as { usage: unknown }).usage).toBeNull();
    const record = fake.requests.at(-1);
    expect(record?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams without usage fields unless include_usage is asked for', async () => {
    const { client } = await startFake();
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it('calls the tool with schema-valid arguments, non-streamed and streamed alike', async () => {
    const { client } = await startFake();
    const request = { model: 'gpt-4.1', messages, tools: [WEATHER_TOOL] };
    const plain = await client.chat.completions.create(request);
    const choice = plain.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments);
    expect(args).toEqual({
      city: 'Paris',
      unit: 'celsius',
      days: 7,
      details: { wind: true, humidity: true },
    });

    const streamed = await client.chat.completions.stream({ ...request, stream: true }).finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    if (streamedCall?.type !== 'function') throw new Error('expected a function call');
    expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');
    expect(streamedCall.function.name).toBe('get_weather');
    expect(JSON.parse(streamedCall.function.arguments)).toEqual(args);
  });

  it('sends the first tool-call fragment with the role chunk, then argument pieces', async () => {
    const { client } = await startFake();
    const stream = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      stream: true,
    });
    const deltas = [];
    for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta);
    expect(deltas[0]).toMatchObject({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    expect(deltas[1]).toEqual({ tool_calls: [{ index: 0, function: { arguments: expect.any(String) } }] });
    expect(deltas.at(-1)).toEqual({});
  });

  it('answers from the tool result once the tool has replied', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1',
      tools: [WEATHER_TOOL],
      messages: [
        ...messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21,"sky":"clear"}' },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.content).toContain('{"temperature":21,"sky":"clear"}');
  });

  it('returns JSON matching a json_schema response format', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'summary',
          strict: true,
          schema: {
            type: 'object',
            properties: {
              title: { type: 'string' },
              score: { type: 'number', minimum: 0, maximum: 1 },
              tags: { type: 'array', items: { type: 'string' } },
              level: { type: 'string', enum: ['low', 'high'] },
            },
            required: ['title', 'score', 'tags', 'level'],
            additionalProperties: false,
          },
        },
      },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? '');
    expect(parsed).toEqual({ title: 'Example title', score: 1, tags: ['example tag'], level: 'low' });
  });

  it('returns a JSON object in json_object mode', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Answer in JSON: hello' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toMatchObject({ model: 'gpt-4o' });
  });

  it('returns logprobs with the requested number of alternatives, the same streamed', async () => {
    const { client } = await startFake();
    const request = { model: 'gpt-4o', messages, logprobs: true, top_logprobs: 3 };
    const plain = await client.chat.completions.create(request);
    const content = plain.choices[0]?.logprobs?.content ?? [];
    expect(content.map((entry) => entry.token).join('')).toBe(plain.choices[0]?.message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual(Array.from(Buffer.from(entry.token, 'utf8')));
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
    }
    expect(plain.choices[0]?.logprobs?.refusal).toBeNull();
    const streamed = await client.chat.completions.stream({ ...request, stream: true }).finalChatCompletion();
    expect(streamed.choices[0]?.logprobs?.content).toEqual(content);
  });

  it('returns n choices, and interleaves them when streaming', async () => {
    const { client } = await startFake();
    const plain = await client.chat.completions.create({ model: 'gpt-4.1', messages, n: 2 });
    expect(plain.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(plain.choices[0]?.message.content).not.toBe(plain.choices[1]?.message.content);
    const totalCompletion = plain.choices.reduce((sum, c) => sum + countTokens(c.message.content ?? ''), 0);
    expect(plain.usage?.completion_tokens).toBe(totalCompletion);

    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, n: 2, stream: true });
    const indexes = [];
    for await (const chunk of stream) indexes.push(chunk.choices[0]?.index);
    expect(indexes.slice(0, 4)).toEqual([0, 1, 0, 1]);
    const streamed = await client.chat.completions
      .stream({ model: 'gpt-4.1', messages, n: 2, stream: true })
      .finalChatCompletion();
    expect(streamed.choices.map((c) => c.message.content)).toEqual(
      plain.choices.map((c) => c.message.content),
    );
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages, max_tokens: 5 });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(5);
    expect(countTokens(completion.choices[0]?.message.content ?? '')).toBe(5);
  });

  it('cuts the answer at a stop sequence with finish_reason stop', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages, stop: ['!'] });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.content).toBe('Hello from gpt-4.1');
  });

  it('reports hidden reasoning tokens for reasoning models', async () => {
    const { client } = await startFake();
    const stream = client.chat.completions.stream({
      model: 'o4-mini',
      messages,
      max_completion_tokens: 500,
      stream: true,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const details = final.usage?.completion_tokens_details;
    const content = final.choices[0]?.message.content ?? '';
    expect(details?.reasoning_tokens).toBeGreaterThan(0);
    expect(final.usage?.completion_tokens).toBe(countTokens(content) + (details?.reasoning_tokens ?? 0));
    expect(final.model).toBe('o4-mini-2025-04-16');
  });

  it('answers with the scripted reply and usage', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ reply: { content: 'Scripted answer.', usage: { cachedTokens: 3 } } });
    const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(completion.choices[0]?.message.content).toBe('Scripted answer.');
    expect(completion.usage?.completion_tokens).toBe(3);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(3);
  });

  it('echoes the service tier that served the request', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages,
      service_tier: 'flex',
    });
    expect(completion.service_tier).toBe('flex');
  });
});
