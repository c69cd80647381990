/**
 * Demo mode serves every simulated provider through its own adapter and native fake, and its virtual
 * models answer (issue 4: "Demo mode serves all six through their own native fakes").
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_KEY } from '../../src/demo/demo-config.ts';
import { NO_LATENCY } from '../../src/demo/fakes/shared/index.ts';
import { type RunningDemo, startDemo } from '../../src/demo/start-demo.ts';
import { silentLogger } from '../../src/observability/logger.ts';

let demo: RunningDemo;
let client: OpenAI;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    faultRate: 0,
    latency: NO_LATENCY,
    env: {},
    logger: silentLogger(),
  });
  client = new OpenAI({ baseURL: `${demo.serving.url}/v1`, apiKey: DEMO_TENANT_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await demo?.serving.stop();
});

describe('demo mode', () => {
  it('runs the six providers, each with the adapter of its own protocol', () => {
    expect(demo.providers.map((p) => `${p.name}:${p.type}`)).toEqual([
      'openai:openai',
      'anthropic:anthropic',
      'gemini:gemini',
      'deepseek:deepseek',
      'qwen:qwen',
      'mistral:mistral',
    ]);
  });

  it('answers every provider/model, in streaming and not, through its native fake', async () => {
    for (const [index, provider] of demo.providers.entries()) {
      const fake = demo.fakes[index];
      for (const model of provider.models) {
        const posts = () => fake?.requests.filter((request) => request.method === 'POST').length ?? 0;
        const before = posts();
        const { data, response } = await client.chat.completions
          .create({ model: `${provider.name}/${model}`, messages: [{ role: 'user', content: 'Hello!' }] })
          .withResponse();
        expect(response.headers.get('x-switchyard-provider')).toBe(provider.name);
        expect(data.choices[0]?.message.content).toBeTruthy();
        expect(posts()).toBe(before + 1);
        const streamed = await client.chat.completions
          .stream({ model: `${provider.name}/${model}`, messages: [{ role: 'user', content: 'Hello!' }] })
          .finalChatCompletion();
        expect(streamed.choices[0]?.message.content).toBe(data.choices[0]?.message.content);
      }
    }
  });

  it('answers the virtual models of the demo config', async () => {
    for (const model of ['smart', 'fast', 'sampled', 'reasoning']) {
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Hello!' }],
      });
      expect(completion.choices[0]?.message.content).toBeTruthy();
    }
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['smart', 'fast', 'sampled', 'reasoning', 'anthropic/claude-sonnet-4-5']),
    );
  });
});
