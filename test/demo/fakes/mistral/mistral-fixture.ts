// Starts a fake Mistral per test and hands back the official SDK pointed at it.
import { Mistral } from '@mistralai/mistralai';
import { type MistralFakeOptions, startMistralFake } from '../../../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'mk-test-0123456789abcdef';

export async function startFake(
  options: MistralFakeOptions = {},
): Promise<{ fake: FakeServer; client: Mistral }> {
  const fake = stopAfterTest(await startMistralFake({ clock: () => 1_767_225_630_000, ...options }));
  return { fake, client: new Mistral({ apiKey: API_KEY, serverURL: fake.url }) };
}

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
