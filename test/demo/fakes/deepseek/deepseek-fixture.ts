// Starts a fake DeepSeek per test and hands back the official `openai` SDK pointed at it, configured
// as DeepSeek's docs say (baseURL = https://api.deepseek.com, no /v1).
import OpenAI from 'openai';
import { afterEach } from 'vitest';
import { type DeepSeekFakeOptions, startDeepSeekFake } from '../../../../src/demo/fakes/deepseek/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';

export const API_KEY = 'sk-deepseek-0123456789abcdef';

const running: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

export async function startFake(
  options: DeepSeekFakeOptions = {},
): Promise<{ fake: FakeServer; client: OpenAI }> {
  const fake = await startDeepSeekFake({ clock: () => 1_767_225_600_000, ...options });
  running.push(fake);
  return { fake, client: new OpenAI({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0 }) };
}

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

export async function postRaw(fake: FakeServer, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
