// Starts a fake Anthropic per test and hands back the official SDK client pointed at it.
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { type AnthropicFakeOptions, startAnthropicFake } from '../../../../src/demo/fakes/anthropic/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'sk-ant-test-0123456789';
export const NOW_MS = 1_767_225_600_000;

export async function startFake(
  options: AnthropicFakeOptions = {},
): Promise<{ fake: FakeServer; client: Anthropic }> {
  const fake = stopAfterTest(await startAnthropicFake({ keys: [API_KEY], clock: () => NOW_MS, ...options }));
  const client = new Anthropic({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0 });
  return { fake, client };
}

/** A raw request, for what the SDK will not send (missing headers, removed fields, old version). */
export async function post(
  fake: FakeServer,
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
  path = '/v1/messages',
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
  text: string;
}> {
  const response = await request(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an SSE body: the caller reads `text`
  }
  return { status: response.statusCode, headers: response.headers, json, text };
}

export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};

/** A model the SDK does not warn about and that takes budget thinking and both sampling styles. */
export const MODEL = 'claude-haiku-4-5';
export const MODEL_ID = 'claude-haiku-4-5-20251001';
