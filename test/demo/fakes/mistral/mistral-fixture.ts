// Starts a fake Mistral per test and hands back the official SDK pointed at it.
import { Mistral } from '@mistralai/mistralai';
import { afterEach } from 'vitest';
import { type MistralFakeOptions, startMistralFake } from '../../../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';

export const API_KEY = 'mk-test-0123456789abcdef';

const running: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

export async function startFake(
  options: MistralFakeOptions = {},
): Promise<{ fake: FakeServer; client: Mistral }> {
  const fake = await startMistralFake({ clock: () => 1_767_225_630_000, ...options });
  running.push(fake);
  return { fake, client: new Mistral({ apiKey: API_KEY, serverURL: fake.url }) };
}

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** POST a raw body, for what the SDK would never send. */
export async function postRaw(
  fake: FakeServer,
  body: unknown,
  key = API_KEY,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${fake.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
