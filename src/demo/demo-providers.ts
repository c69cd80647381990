/**
 * The simulated providers of demo mode: the same fakes the tests prove faithful, started in-process
 * under the names of the real six. Each entry names the adapter type that speaks its protocol.
 */
import type { FakeChaos, FakeLatency, FakeServer } from './fakes/shared/index.ts';
import { startAnthropicFake } from './fakes/anthropic/index.ts';
import { startDeepSeekFake } from './fakes/deepseek/index.ts';
import { startGeminiFake } from './fakes/gemini/index.ts';
import { startMistralFake } from './fakes/mistral/index.ts';
import { startFakeOpenAI } from './fakes/openai/index.ts';
import { startQwenFake } from './fakes/qwen/index.ts';

export interface DemoFakeOptions {
  latency: FakeLatency;
  chaos: FakeChaos;
  seed: number;
  keys: string[];
}

export interface DemoProvider {
  name: string;
  /** Adapter type that speaks this fake's protocol. */
  type: string;
  models: string[];
  start(options: DemoFakeOptions): Promise<FakeServer>;
  /** base_url for the provider config, given the fake's origin. */
  baseUrl(fake: FakeServer): string;
}

const atV1 = (fake: FakeServer) => `${fake.url}/v1`;
const atOrigin = (fake: FakeServer) => fake.url;

export const demoProviders: DemoProvider[] = [
  {
    name: 'openai',
    type: 'openai',
    models: ['gpt-4.1', 'gpt-4.1-mini', 'text-embedding-3-small'],
    start: startFakeOpenAI,
    baseUrl: atV1,
  },
  {
    name: 'anthropic',
    type: 'anthropic',
    models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    start: startAnthropicFake,
    baseUrl: atOrigin,
  },
  {
    name: 'gemini',
    type: 'gemini',
    models: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-embedding-001'],
    start: startGeminiFake,
    baseUrl: atOrigin,
  },
  {
    name: 'deepseek',
    type: 'deepseek',
    models: ['deepseek-chat', 'deepseek-reasoner'],
    start: startDeepSeekFake,
    baseUrl: atOrigin,
  },
  {
    name: 'qwen',
    type: 'qwen',
    models: ['qwen-plus', 'qwen3-max', 'text-embedding-v4'],
    start: startQwenFake,
    baseUrl: (fake) => `${fake.url}/compatible-mode/v1`,
  },
  {
    name: 'mistral',
    type: 'mistral',
    models: ['mistral-large-latest', 'mistral-small-latest', 'mistral-embed'],
    start: startMistralFake,
    baseUrl: atV1,
  },
];
