/**
 * The state contract on a real Redis. Needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15);
 * every run uses its own key prefix so parallel test files never collide.
 */
import { describe, expect, it } from 'vitest';
import { RedisState } from '../../src/state/redis.ts';
import { stateContract } from './state-contract.ts';

const url = process.env.SWITCHYARD_TEST_REDIS_URL;

if (url === undefined) {
  describe('StateStore contract: redis', () => {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
  });
  console.log('[state contract: redis] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
} else {
  const prefix = `sy-test:${process.pid}:${Date.now()}:`;
  stateContract('redis', async () => {
    const store = new RedisState(url, { prefix });
    await store.ready();
    return store;
  });

  describe('RedisState', () => {
    it('reloads its scripts when Redis lost them (restart, SCRIPT FLUSH)', async () => {
      const store = new RedisState(url, { prefix: `${prefix}flush:` });
      await store.ready();
      await store.redis.script('FLUSH');
      expect(await store.increment('k', 2, 10_000, 0)).toBe(2);
      await store.close();
    });
  });
}
