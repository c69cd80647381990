import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../src/config/compile.ts';
import { type PoolSettings, UpstreamPools } from '../../src/transport/pools.ts';
import { testConfig } from '../helpers/gateway.ts';

const ORIGIN = 'http://127.0.0.1:9';
const small: PoolSettings = { connections: 1, connectTimeoutMs: 1_000, keepAliveTimeoutMs: 60_000 };

describe('UpstreamPools', () => {
  it('shares a pool between users of one origin only when they ask for the same settings', async () => {
    const pools = new UpstreamPools();
    const first = pools.get(ORIGIN, small);
    expect(pools.get(ORIGIN, { ...small })).toBe(first);
    expect(pools.get(ORIGIN, { ...small, connections: 100 })).not.toBe(first);
    expect(pools.get(ORIGIN, { ...small, connectTimeoutMs: 5_000 })).not.toBe(first);
    await pools.destroy();
  });

  it('closes the pools no provider uses any more, and keeps the others', async () => {
    const pools = new UpstreamPools();
    const kept = pools.get(ORIGIN, small);
    const dropped = pools.get(ORIGIN, { ...small, connections: 100 });
    await pools.retain(new Set([kept]));
    expect(dropped.closed).toBe(true);
    expect(kept.closed).toBe(false);
    expect(pools.get(ORIGIN, small)).toBe(kept);
    await pools.destroy();
  });

  it("gives two providers on one origin each its own max_connections, and a reload's new size a new pool", async () => {
    const pools = new UpstreamPools();
    const providers = (bSize: number) => ({
      a: { type: 'openai-compatible', base_url: `${ORIGIN}/v1`, max_connections: 1 },
      b: { type: 'openai-compatible', base_url: `${ORIGIN}/v2`, max_connections: bSize },
    });
    const first = compileConfig(testConfig({ providers: providers(100) }), pools, 1);
    const a = first.providers.get('a')?.pool;
    const b = first.providers.get('b')?.pool;
    expect(a).toBeDefined();
    expect(b).not.toBe(a);
    const reloaded = compileConfig(testConfig({ providers: providers(50) }), pools, 2);
    expect(reloaded.providers.get('a')?.pool).toBe(a);
    expect(reloaded.providers.get('b')?.pool).not.toBe(b);
    await pools.destroy();
  });
});
