import { describe, expect, it } from 'vitest';
import { MemoryState } from '../../src/state/memory.ts';
import { policy, stateContract } from './state-contract.ts';

stateContract('memory', async () => new MemoryState());

describe('MemoryState', () => {
  it('answers synchronously, so routing on the memory store never awaits', () => {
    const store = new MemoryState();
    const view = store.recordOutcome('t', 'failure', 1, policy);
    expect(view instanceof Promise).toBe(false);
    expect(store.acquireTrial('t', 2, policy) instanceof Promise).toBe(false);
    expect(store.cooldowns('keys', 1) instanceof Promise).toBe(false);
    const request = {
      requestId: 'r',
      rpm: 1,
      tpm: 10,
      concurrent: 1,
      estimatedTokens: 1,
      budget: { periodKey: 'd', periodEndMs: 10, limitNanoUsd: 5, hard: true, reserveNanoUsd: 1 },
      leaseMs: 1,
    };
    expect(store.admit('t', request, 1)).toMatchObject({ allowed: true });
    const settlement = { requestId: 'r', releaseConcurrent: true, tokens: undefined, budget: undefined };
    expect(store.settle('t', settlement, 1)).toBeUndefined();
    expect(store.budgetView('t', 'd', 1)).toEqual({ spentNanoUsd: 0, reservedNanoUsd: 1 });
    expect(store.seedSpend('t', 'd', 10, 1)).toBeUndefined();
    expect(store.claimOnce('k', 1, 1)).toBe(true);
  });

  it('starts a new counter window once the old one expired', () => {
    const store = new MemoryState();
    expect(store.increment('k', 5, 1_000, 0)).toBe(5);
    expect(store.increment('k', 1, 1_000, 999)).toBe(6);
    expect(store.increment('k', 1, 1_000, 1_000)).toBe(1);
  });
});
