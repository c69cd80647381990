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

const openAIShaped = (fake: FakeServer) => `${fake.url}/v1`;

export const demoProviders: DemoProvider[] = [
  {
    name: 'openai',
    type: 'openai',
    models: ['gpt-4.1', 'gpt-4.1-mini'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
  {
    name: 'anthropic',
    type: 'openai',
    models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
  {
    name: 'gemini',
    type: 'openai',
    models: ['gemini-2.5-pro', 'gemini-2.5-flash'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
  {
    name: 'deepseek',
    type: 'openai',
    models: ['deepseek-chat', 'deepseek-reasoner'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
  {
    name: 'qwen',
    type: 'openai',
    models: ['qwen-plus', 'qwen3-max'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
  {
    name: 'mistral',
    type: 'openai',
    models: ['mistral-large-latest', 'mistral-small-latest'],
    start: (o) => startFakeOpenAI(o),
    baseUrl: openAIShaped,
  },
];
