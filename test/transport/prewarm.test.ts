import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileConfig } from '../../src/config/compile.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { prewarmConnections } from '../../src/transport/prewarm.ts';
import { testConfig } from '../helpers/gateway.ts';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-a'] });
});
afterAll(async () => {
  await fake?.stop();
});

describe('prewarmConnections', () => {
  it('opens one connection per origin with an authenticated probe, and survives a dead origin', async () => {
    const pools = new UpstreamPools();
    const config = testConfig({
      providers: {
        a: { type: 'openai', keys: ['sk-a'], base_url: `${fake.url}/v1` },
        b: { type: 'openai', keys: ['sk-a'], base_url: `${fake.url}/v1` },
        dead: { type: 'openai', keys: ['sk-x'], base_url: 'http://127.0.0.1:9/v1' },
      },
    });
    await prewarmConnections(compileConfig(config, pools, 1), silentLogger());
    const probes = fake.requests.filter((request) => request.path === '/v1/models');
    expect(probes).toHaveLength(1);
    expect(probes[0]?.headers.authorization).toBe('Bearer sk-a');
    await pools.destroy();
  });
});
