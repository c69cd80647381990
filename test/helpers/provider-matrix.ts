/**
 * Every provider type with the fake that speaks its native protocol, for suites that must hold for
 * all of them (test/e2e/cross-provider.test.ts). Adding a provider adds one row here.
 */
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startDeepSeekFake } from '../../src/demo/fakes/deepseek/index.ts';
import { startGeminiFake } from '../../src/demo/fakes/gemini/index.ts';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import { startQwenFake } from '../../src/demo/fakes/qwen/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';

export interface ProviderRow {
  /** Config `type`. */
  type: string;
  /** An upstream model the fake serves. */
  model: string;
  key: string;
  startFake(key: string): Promise<FakeServer>;
  /** base_url for the provider config, given the running fake. */
  baseUrl(fake: FakeServer): string;
  /** A model that reasons when asked with reasoning_effort. */
  reasoningModel: string;
  /** Whether the provider returns reasoning text (OpenAI's Chat Completions returns only its token count). */
  exposesReasoning: boolean;
}

export const providerMatrix: ProviderRow[] = [
  {
    type: 'openai',
    model: 'gpt-4.1',
    reasoningModel: 'o4-mini',
    exposesReasoning: false,
    key: 'sk-openai-test',
    startFake: (key) => startFakeOpenAI({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/v1`,
  },
  {
    type: 'openai-compatible',
    model: 'llama-3.3-70b',
    reasoningModel: 'o4-mini',
    exposesReasoning: false,
    key: 'sk-compatible-test',
    startFake: (key) => startFakeOpenAI({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/v1`,
  },
  {
    type: 'gemini',
    model: 'gemini-2.5-flash',
    reasoningModel: 'gemini-3-flash-preview',
    exposesReasoning: true,
    key: 'gemini-test-key',
    startFake: (key) => startGeminiFake({ keys: [key] }),
    baseUrl: (fake) => fake.url,
  },
  {
    type: 'anthropic',
    model: 'claude-sonnet-4-5',
    reasoningModel: 'claude-sonnet-4-5',
    exposesReasoning: true,
    key: 'sk-ant-test',
    startFake: (key) => startAnthropicFake({ keys: [key] }),
    baseUrl: (fake) => fake.url,
  },
  {
    type: 'mistral',
    model: 'mistral-large-latest',
    reasoningModel: 'magistral-medium-latest',
    exposesReasoning: true,
    key: 'mistral-test-key',
    startFake: (key) => startMistralFake({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/v1`,
  },
  {
    type: 'deepseek',
    model: 'deepseek-chat',
    reasoningModel: 'deepseek-reasoner',
    exposesReasoning: true,
    key: 'sk-deepseek-test',
    startFake: (key) => startDeepSeekFake({ keys: [key] }),
    baseUrl: (fake) => fake.url,
  },
  {
    type: 'qwen',
    model: 'qwen-plus',
    reasoningModel: 'qwen-plus',
    exposesReasoning: true,
    key: 'sk-qwen-test',
    startFake: (key) => startQwenFake({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/compatible-mode/v1`,
  },
];
