/**
 * A final assistant turn on /v1/messages is a prefill: the answer continues it. A translated target whose
 * provider has a prefix mode (Mistral's `prefix: true`, `continuation: prefix` by default) is told so; a
 * provider without one (OpenAI) gets the conversation as it is.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMistralFake } from '../../../src/demo/fakes/mistral/index.ts';
import { startFakeOpenAI } from '../../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.ts';

let mistral: FakeServer;
let openai: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  mistral = await startMistralFake({ keys: ['mk'] });
  openai = await startFakeOpenAI({ keys: ['ok'] });
  gw = await startTestGateway({
    providers: {
      mistral: { type: 'mistral', keys: ['mk'], base_url: `${mistral.url}/v1` },
      openai: { type: 'openai', keys: ['ok'], base_url: `${openai.url}/v1` },
    },
  });
});
afterAll(async () => {
  await gw?.stop();
  await mistral?.stop();
  await openai?.stop();
});

function lastMessage(fake: FakeServer): Record<string, unknown> | undefined {
  const body = fake.requests.at(-1)?.body as { messages?: Array<Record<string, unknown>> } | undefined;
  return body?.messages?.at(-1);
}

describe('/v1/messages prefill', () => {
  const client = () => new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: 'Say hello' },
    { role: 'assistant', content: 'Hello from' },
  ];

  it('marks the final assistant turn as a prefix for a provider with a prefix mode', async () => {
    const answer = await client().messages.create({
      model: 'mistral/mistral-small-latest',
      max_tokens: 64,
      messages,
    });
    expect(answer.type).toBe('message');
    expect(lastMessage(mistral)).toMatchObject({ role: 'assistant', content: 'Hello from', prefix: true });
  });

  it('sends it as it is where the provider has none', async () => {
    await client().messages.create({ model: 'openai/gpt-4.1', max_tokens: 64, messages });
    const last = lastMessage(openai);
    expect(last).toMatchObject({ role: 'assistant', content: 'Hello from' });
    expect(last?.prefix).toBeUndefined();
  });
});
