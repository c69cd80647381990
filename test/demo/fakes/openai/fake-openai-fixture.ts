// Starts a fake OpenAI per test and hands back an official SDK client pointed at it.
import OpenAI from 'openai';
import type { FakeOpenAIOptions } from '../../../../src/demo/fakes/openai/fake-openai.ts';
import { startFakeOpenAI } from '../../../../src/demo/fakes/openai/fake-openai.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'sk-test-0123456789abcdef';

export async function startFake(
  options: FakeOpenAIOptions = {},
): Promise<{ fake: FakeServer; client: OpenAI }> {
  const fake = stopAfterTest(await startFakeOpenAI({ clock: () => 1_767_225_600_000, ...options }));
  const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
  return { fake, client };
}

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        details: {
          type: 'object',
          properties: { wind: { type: 'boolean' }, humidity: { type: 'boolean' } },
          required: ['wind', 'humidity'],
        },
      },
      required: ['city', 'unit', 'days', 'details'],
      additionalProperties: false,
    },
  },
};
