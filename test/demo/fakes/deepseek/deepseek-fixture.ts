// Starts a fake DeepSeek per test and hands back the official `openai` SDK pointed at it, configured
// as DeepSeek's docs say (baseURL = https://api.deepseek.com, no /v1).
import OpenAI from 'openai';
import { type DeepSeekFakeOptions, startDeepSeekFake } from '../../../../src/demo/fakes/deepseek/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'sk-deepseek-0123456789abcdef';

export async function startFake(
  options: DeepSeekFakeOptions = {},
): Promise<{ fake: FakeServer; client: OpenAI }> {
  const fake = stopAfterTest(await startDeepSeekFake({ clock: () => 1_767_225_600_000, ...options }));
  return { fake, client: new OpenAI({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0 }) };
}

export async function postRaw(fake: FakeServer, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
