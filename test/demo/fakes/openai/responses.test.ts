/**
 * The fake OpenAI's /v1/responses, proven with the openai SDK's responses.create and responses.stream
 * (the stream helper checks the event order, ids and sequence of docs/providers.md §11.6).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/index.ts';

let fake: FakeServer;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-test'] });
  client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(async () => {
  await fake?.stop();
});

const tool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('fake OpenAI /v1/responses', () => {
  it('answers text with usage, whole and streamed', async () => {
    const whole = await client.responses.create({ model: 'gpt-4.1', input: 'Say hello' });
    expect(whole.status).toBe('completed');
    expect(whole.output_text).toContain('hello');
    expect(whole.usage?.total_tokens).toBeGreaterThan(0);
    const types: string[] = [];
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'Say hello' });
    stream.on('event', (event) => types.push(event.type));
    const streamed = await stream.finalResponse();
    expect(streamed.output_text).toBe(whole.output_text);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('calls functions and reports reasoning models with a reasoning item', async () => {
    const call = await client.responses
      .stream({ model: 'o4-mini', input: 'Weather?', tools: [tool] })
      .finalResponse();
    expect(call.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    expect(call.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it('cuts at max_output_tokens and refuses a previous_response_id', async () => {
    const cut = await client.responses.create({
      model: 'gpt-4.1',
      input: 'A long story please',
      max_output_tokens: 16,
    });
    expect(cut.status).toBe('incomplete');
    const error = await client.responses
      .create({ model: 'gpt-4.1', input: 'x', previous_response_id: 'resp_1' })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_found');
  });
});
