/**
 * The openai SDK's responses.create and responses.stream against /v1/responses, for every provider
 * type (issue 17): text, function calls and their outputs, JSON schema, reasoning, usage, the
 * incomplete status, and the stateless refusals.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import { providerRegistry, type ProviderType } from '../../../src/providers/registry.ts';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.ts';
import { providerMatrix } from '../../helpers/provider-matrix.ts';

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

for (const row of providerMatrix) {
  describe(`/v1/responses to ${row.type}`, () => {
    let fake: FakeServer;
    let gw: TestGateway;
    const model = `p/${row.model}`;

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

    it('answers text with usage', async () => {
      const response = await gw.client.responses.create({
        model,
        instructions: 'Be brief.',
        input: 'Say hello',
      });
      expect(response.object).toBe('response');
      expect(response.id).toMatch(/^resp_/);
      expect(response.status).toBe('completed');
      expect(response.output_text.length).toBeGreaterThan(0);
      expect(response.usage?.input_tokens).toBeGreaterThan(0);
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
      expect(response.usage?.total_tokens).toBe(
        (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
      );
      // OpenAI's own Responses endpoint for OpenAI (passthrough, stored nothing); Chat for everyone else.
      const sent = fake.requests.at(-1);
      if (row.type === 'openai') {
        expect(sent?.path).toBe('/v1/responses');
        expect(sent?.body).toMatchObject({ model: row.model, input: 'Say hello', store: false });
      } else expect(sent?.path).not.toContain('/responses');
    });

    it('streams typed events (responses.stream)', async () => {
      const types: string[] = [];
      const stream = gw.client.responses.stream({ model, input: [{ role: 'user', content: 'Say hello' }] });
      stream.on('event', (event) => types.push(event.type));
      const response = await stream.finalResponse();
      expect(types[0]).toBe('response.created');
      expect(types).toContain('response.output_item.added');
      expect(types).toContain('response.output_text.delta');
      expect(types.at(-1)).toBe('response.completed');
      expect(response.output_text.length).toBeGreaterThan(0);
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
    });

    it('calls a function and takes its output back, whole and streamed', async () => {
      const first = await gw.client.responses.create({
        model,
        input: 'Weather in Paris?',
        tools: [weather],
        tool_choice: { type: 'function', name: 'get_weather' },
      });
      const call = first.output.find((item) => item.type === 'function_call');
      if (call?.type !== 'function_call') throw new Error('no function_call item');
      expect(call.name).toBe('get_weather');
      expect(typeof (JSON.parse(call.arguments) as { city?: unknown }).city).toBe('string');

      const types: string[] = [];
      const stream = gw.client.responses.stream({
        model,
        input: 'Weather in Paris?',
        tools: [weather],
        tool_choice: 'required',
      });
      stream.on('event', (event) => types.push(event.type));
      const streamed = await stream.finalResponse();
      expect(types).toContain('response.function_call_arguments.delta');
      const streamedCall = streamed.output.find((item) => item.type === 'function_call');
      expect(streamedCall?.type === 'function_call' && JSON.parse(streamedCall.arguments)).toBeTruthy();

      const second = await gw.client.responses.create({
        model,
        tools: [weather],
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: '18 degrees and sunny' },
        ],
      });
      expect(second.output_text).toContain('18 degrees');
    });

    it('replays a turn with reasoning and a function call as the next input, whole and streamed', async () => {
      // The stateless round trip the README asks for: the output goes back as input. A reasoning target
      // must get its reasoning state again (Claude refuses a tool result after thinking without it).
      for (const streamed of [false, true]) {
        const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Paris?' }];
        const body = { model, tools: [weather], reasoning: { effort: 'low' as const }, input };
        const first = streamed
          ? await gw.client.responses.stream(body).finalResponse()
          : await gw.client.responses.create(body);
        const call = first.output.find((item) => item.type === 'function_call');
        if (call?.type !== 'function_call') continue; // a model that answers in text: nothing to replay
        input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
          type: 'function_call_output',
          call_id: call.call_id,
          output: '18 degrees and sunny',
        });
        const second = await gw.client.responses.create({ ...body, input });
        expect(second.status, `streamed first turn: ${streamed}`).toBe('completed');
      }
    });

    const jsonSchema = providerRegistry[row.type as ProviderType].capabilities.jsonSchema;
    it('answers a JSON schema (text.format), or a 400 where the provider has none', async () => {
      const response = gw.client.responses.create({
        model,
        input: 'A city and its country',
        text: {
          format: {
            type: 'json_schema',
            name: 'place',
            strict: true,
            schema: {
              type: 'object',
              properties: { city: { type: 'string' }, country: { type: 'string' } },
              required: ['city', 'country'],
              additionalProperties: false,
            },
          },
        },
      });
      if (jsonSchema === 'rejected') {
        await expect(response).rejects.toBeInstanceOf(OpenAI.BadRequestError);
        return;
      }
      const parsed = JSON.parse((await response).output_text) as { city?: unknown; country?: unknown };
      expect(typeof parsed.city).toBe('string');
      expect(typeof parsed.country).toBe('string');
    });

    it.runIf(row.exposesReasoning)('returns reasoning as a reasoning item, never as text', async () => {
      const params = {
        model: `p/${row.reasoningModel}`,
        input: 'Think: 2+2?',
        reasoning: { effort: 'low' as const },
      };
      const response = await gw.client.responses.create(params);
      const reasoning = response.output.find((item) => item.type === 'reasoning');
      expect(reasoning?.type === 'reasoning' && reasoning.content?.[0]?.text).toBeTruthy();
      const streamed = await gw.client.responses.stream(params).finalResponse();
      expect(streamed.output.some((item) => item.type === 'reasoning')).toBe(true);
      expect(streamed.output_text.length).toBeGreaterThan(0);
    });

    it('reports a cut answer as incomplete (max_output_tokens)', async () => {
      const response = await gw.client.responses.create({
        model,
        input: 'Write a long story about a lighthouse keeper and the sea.',
        max_output_tokens: 16,
      });
      expect(response.status).toBe('incomplete');
      expect(response.incomplete_details?.reason).toBe('max_output_tokens');
    });

    it('refuses what needs stored state with a 400 naming it', async () => {
      const error = await gw.client.responses
        .create({ model, input: 'hi', previous_response_id: 'resp_123' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
      const missing = await gw.client.responses
        .create({ input: 'hi' } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      expect(missing).toMatchObject({ status: 400, code: 'missing_required_parameter', param: 'model' });
      // OpenAI's built-in tools reach OpenAI (passthrough); no other provider has them.
      const tool = gw.client.responses.create({ model, input: 'hi', tools: [{ type: 'web_search' }] });
      if (row.type === 'openai') expect((await tool).status).toBe('completed');
      else await expect(tool).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    });
  });
}
