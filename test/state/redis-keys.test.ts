/**
 * Redis Cluster runs a script only when all its keys hash to one slot. No cluster runs here, so this
 * records the keys of every script call and command RedisState sends (ioredis never connects: the
 * client is stubbed) and checks that each call's keys share one hash tag.
 */
import { describe, expect, it } from 'vitest';
import { RedisState } from '../../src/state/redis.ts';
import { scopeTag } from '../../src/state/redis-keys.ts';

/** The part of a key Redis Cluster hashes (the rule of CLUSTER KEYSLOT). */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

const ADMIT_REPLY = [1, '', 0, 1, 0, 1, 0, 0, 0];
/** An open breaker that just changed state, so the transitions index is written too. */
const BREAKER_REPLY = ['open', 1, 0, 1_000, 1, 0, 0, 0, 0, 0, 0, 1];

function recordingStore(): { store: RedisState; calls: string[][] } {
  const store = new RedisState('redis://127.0.0.1:1', { redis: { lazyConnect: true } });
  const calls: string[][] = [];
  const client = store.redis as unknown as Record<string, unknown>;
  client.evalsha = async (_sha: string, count: number, ...rest: unknown[]) => {
    calls.push(rest.slice(0, count) as string[]);
    if (count === 2) return BREAKER_REPLY;
    return count === 8 ? ADMIT_REPLY : count === 3 ? [0, 0] : 1;
  };
  client.set = async (key: string) => {
    calls.push([key]);
    return 'OK';
  };
  return { store, calls };
}

const scopes = ['tenant-a', 'key:{evil}', '}', '{', '', '%7B', 'a b/ç'];

describe('RedisState keys and Redis Cluster', () => {
  it('gives every key of one admit, settle, budgetView and seedSpend call the scope as hash tag', async () => {
    const { store, calls } = recordingStore();
    const now = 1_700_000_000_000;
    for (const scope of scopes) {
      await store.admit(
        scope,
        {
          requestId: 'r1',
          rpm: 10,
          tpm: 100,
          concurrent: 2,
          estimatedTokens: 5,
          budget: {
            periodKey: 'm2023-11',
            periodEndMs: now + 1,
            limitNanoUsd: 10,
            hard: true,
            reserveNanoUsd: 1,
          },
          leaseMs: 1_000,
        },
        now,
      );
      await store.settle(
        scope,
        {
          requestId: 'r1',
          releaseConcurrent: true,
          tokens: { estimated: 5, actual: 3 },
          budget: { periodKey: 'm2023-11', periodEndMs: now + 1, actualNanoUsd: 1 },
        },
        now,
      );
      await store.budgetView(scope, 'm2023-11', now);
      await store.seedSpend(scope, 'm2023-11', now + 1, 5);
    }
    await store.claimOnce('webhook:abc', 1_000, now);
    expect(calls).toHaveLength(scopes.length * 4 + 1);
    for (const keys of calls) {
      const tags = new Set(keys.map(hashedPart));
      expect(tags.size, keys.join(' ')).toBe(1);
    }
    // Different scopes land in different tags, and a scope cannot break out of its own.
    const perScope = calls.slice(0, -1).filter((_, i) => i % 4 === 0);
    expect(new Set(perScope.map((keys) => hashedPart(keys[0] as string))).size).toBe(scopes.length);
    store.redis.disconnect();
  });

  it('keeps a breaker record and its generation in one slot per breaker id', async () => {
    const { store, calls } = recordingStore();
    const policy = {
      consecutiveFailures: 1,
      failureRate: 1,
      minimumRequests: 1,
      windowMs: 10_000,
      openMs: 1_000,
      maxOpenMs: 1_000,
      halfOpenTrials: 1,
      trialTimeoutMs: 1_000,
    };
    for (const id of ['openai/gpt-4o', 'x{y}z', '']) {
      await store.recordOutcome(id, 'failure', 0, policy);
      await store.acquireTrial(id, 1, policy);
      await store.forceBreaker(id, 'close', 2);
    }
    // Each breaker call: the script (record + generation) and, on a transition, the index (one key).
    expect(calls).toHaveLength(18);
    for (const keys of calls) expect(new Set(keys.map(hashedPart)).size, keys.join(' ')).toBe(1);
    const records = calls.filter((keys) => keys.length === 2).map((keys) => hashedPart(keys[0] as string));
    expect(new Set(records).size).toBe(3);
    store.redis.disconnect();
  });

  it('encodes braces so a scope can neither end its tag early nor leave it empty', () => {
    expect(scopeTag('sy:', 'a}b')).toBe('sy:{a%7Db}');
    expect(scopeTag('sy:', '')).toBe('sy:{%}');
    expect(scopeTag('sy:', '%')).toBe('sy:{%25}');
  });
});
