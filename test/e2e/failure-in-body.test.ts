/**
 * A 200 whose body reports a failure is a failure: DeepSeek's `insufficient_system_resource` finish
 * reason (docs/providers.md §5.3) makes the gateway fall over to the next target instead of answering with
 * a cut-short message.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDeepSeekFake } from '../../src/demo/fakes/deepseek/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

let deepseek: FakeServer;
let backup: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  deepseek = await startDeepSeekFake({ keys: ['sk-ds'] });
  backup = await startFakeOpenAI({ keys: ['sk-b'] });
  gw = await startTestGateway({
    providers: {
      ds: { type: 'deepseek', keys: ['sk-ds'], base_url: deepseek.url },
      backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
    },
    models: { chat: { targets: ['ds/deepseek-chat', 'backup/gpt-4.1'] } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await deepseek?.stop();
  await backup?.stop();
});

it('falls over when DeepSeek answers 200 with finish_reason insufficient_system_resource', async () => {
  deepseek.control.enqueue({
    fault: {
      kind: 'status',
      status: 200,
      body: {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'deepseek-chat',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'par' },
            finish_reason: 'insufficient_system_resource',
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      },
    },
  });
  const { data, response } = await gw.client.chat.completions
    .create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  expect(response.headers.get('x-switchyard-provider')).toBe('backup');
  expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  expect(data.choices[0]?.finish_reason).toBe('stop');
  await waitFor(() => gw.logs.some((line) => line.request_id === response.headers.get('x-request-id')));
  const line = gw.logs.find((entry) => entry.request_id === response.headers.get('x-request-id'));
  const attempts = line?.attempts as Array<{ target: string; outcome: string }>;
  expect(attempts.map((attempt) => `${attempt.target}:${attempt.outcome}`)).toEqual([
    'ds/deepseek-chat:overloaded',
    'backup/gpt-4.1:ok',
  ]);
});
