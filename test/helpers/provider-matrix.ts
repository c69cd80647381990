/**
 * Every provider type with the fake that speaks its native protocol, for suites that must hold for
 * all of them (test/e2e/cross-provider.test.ts). Adding a provider adds one row here.
 */
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
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
}

export const providerMatrix: ProviderRow[] = [
  {
    type: 'openai',
    model: 'gpt-4.1',
    key: 'sk-openai-test',
    startFake: (key) => startFakeOpenAI({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/v1`,
  },
  {
    type: 'openai-compatible',
    model: 'llama-3.3-70b',
    key: 'sk-compatible-test',
    startFake: (key) => startFakeOpenAI({ keys: [key] }),
    baseUrl: (fake) => `${fake.url}/v1`,
  },
];
