// Starts a fake Gemini per test and hands back an official @google/genai client pointed at it.
import { GoogleGenAI } from '@google/genai';
import { type GeminiFakeOptions, startGeminiFake } from '../../../../src/demo/fakes/gemini/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'AIzaSy-test-0123456789abcdefghijklmn';

export async function startFake(
  options: GeminiFakeOptions = {},
): Promise<{ fake: FakeServer; ai: GoogleGenAI }> {
  const fake = stopAfterTest(
    await startGeminiFake({ clock: () => 1_767_225_600_000, keys: [API_KEY], ...options }),
  );
  const ai = new GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: fake.url } });
  return { fake, ai };
}

/** A raw POST, for what the SDK would not send. */
export async function post(
  fake: FakeServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': API_KEY },
) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // HTML pages and SSE bodies stay as text
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: json as { error?: { code: number; message: string; status: string; details?: unknown[] } } & Record<
      string,
      unknown
    >,
  };
}

export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parametersJsonSchema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
};
