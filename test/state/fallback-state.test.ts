/**
 * FallbackState: limits keep answering when the shared store fails, hangs or is unreachable, in both
 * modes, and recover by themselves. The shared store is a controllable wrapper around a MemoryState, or
 * a real ioredis client pointed at a closed port or at a server that accepts and never answers (a
 * paused Redis). No timing assertions: a hang would fail the test by its timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionSpec, Settlement } from '../../src/limits/types.ts';
import { type FallbackEvent, FallbackState, StateUnavailableError } from '../../src/state/fallback-state.ts';
import { MemoryState } from '../../src/state/memory.ts';
import { RedisState } from '../../src/state/redis.ts';
import type { StateStore } from '../../src/state/types.ts';

const NOW = 1_800_000_000_000;

type Behaviour = 'answer' | 'hang' | 'fail';

/** A shared store whose limits calls answer (from a MemoryState), hang forever or fail, as set. */
function controllable(): {
  store: StateStore;
  inner: MemoryState;
  set: (b: Behaviour) => void;
  calls: () => number;
} {
  const inner = new MemoryState();
  let behaviour: Behaviour = 'answer';
  let calls = 0;
  const run = <T>(answer: () => T): Promise<T> => {
    calls += 1;
    if (behaviour === 'hang') return new Promise<T>(() => {});
    if (behaviour === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
    return Promise.resolve(answer());
  };
  const store = Object.create(inner) as StateStore & Record<string, unknown>;
  Object.assign(store, {
    kind: 'redis',
    admit: (...a: Parameters<StateStore['admit']>) => run(() => inner.admit(...a)),
    settle: (...a: Parameters<StateStore['settle']>) => run(() => inner.settle(...a)),
    budgetView: (...a: Parameters<StateStore['budgetView']>) => run(() => inner.budgetView(...a)),
    seedSpend: (...a: Parameters<StateStore['seedSpend']>) => run(() => inner.seedSpend(...a)),
    claimOnce: (...a: Parameters<StateStore['claimOnce']>) => run(() => inner.claimOnce(...a)),
    close: async () => {},
  });
  return { store, inner, set: (b) => (behaviour = b), calls: () => calls };
}

let sequence = 0;
function request(overrides: Partial<AdmissionSpec> = {}): AdmissionSpec {
  sequence += 1;
  return {
    requestId: `r${sequence}`,
    rpm: 2,
    tpm: undefined,
    concurrent: undefined,
    estimatedTokens: 0,
    budget: undefined,
    leaseMs: 60_000,
    ...overrides,
  };
}

const budget = {
  periodKey: 'd1',
  periodEndMs: NOW + 86_400_000,
  limitNanoUsd: 1_000,
  hard: true,
  reserveNanoUsd: 100,
};

function settlement(requestId: string, actualNanoUsd: number): Settlement {
  return {
    requestId,
    releaseConcurrent: true,
    tokens: undefined,
    budget: { periodKey: 'd1', periodEndMs: budget.periodEndMs, actualNanoUsd },
  };
}

describe('FallbackState', () => {
  it('local mode: answers from this instance when the shared store hangs, with local limits', async () => {
    const shared = controllable();
    const events: FallbackEvent[] = [];
    const state = new FallbackState(shared.store, {
      mode: 'local',
      timeoutMs: 20,
      onEvent: (e) => events.push(e),
    });
    shared.set('hang');
    expect((await state.admit('t', request(), NOW)).allowed).toBe(true);
    expect(state.degraded).toBe(true);
    expect((await state.admit('t', request(), NOW + 1)).allowed).toBe(true);
    expect(await state.admit('t', request(), NOW + 2)).toMatchObject({ allowed: false, refusal: 'rpm' });
    expect(await state.claimOnce('hook', 1_000, NOW + 3)).toBe(true);
    expect(await state.claimOnce('hook', 1_000, NOW + 4)).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['degraded']);
    expect(state.failures).toBe(1);
    expect(state.degradedCalls).toBe(5);
    // Only the first call waited on the shared store: the rest answered locally until the next probe.
    expect(shared.calls()).toBe(1);
  });

  it('closed mode: refuses admissions as unavailable, claims nothing, and budgetView rejects', async () => {
    const shared = controllable();
    const state = new FallbackState(shared.store, { mode: 'closed', timeoutMs: 20, probeEveryMs: 1_000 });
    shared.set('fail');
    expect(await state.admit('t', request(), NOW)).toEqual({
      allowed: false,
      refusal: 'unavailable',
      retryAfterMs: 1_000,
      requests: undefined,
      tokens: undefined,
      budget: undefined,
    });
    expect(await state.claimOnce('hook', 1_000, NOW)).toBe(false);
    await expect(state.budgetView('t', 'd1', NOW)).rejects.toBeInstanceOf(StateUnavailableError);
  });

  it('probes again after probeEveryMs, recovers on the first answer and replays the missed settlements', async () => {
    const shared = controllable();
    const events: FallbackEvent[] = [];
    const state = new FallbackState(shared.store, {
      mode: 'local',
      timeoutMs: 20,
      probeEveryMs: 1_000,
      onEvent: (e) => events.push(e),
    });
    const remote = request({ budget });
    expect((await state.admit('t', remote, NOW)).allowed).toBe(true);
    shared.set('fail');
    await state.settle('t', settlement(remote.requestId, 70), NOW + 1);
    const local = request({ budget });
    expect((await state.admit('t', local, NOW + 2)).allowed).toBe(true);
    await state.settle('t', settlement(local.requestId, 30), NOW + 3);
    expect(state.pendingSettlements).toBe(2);
    expect(state.local.budgetView('t', 'd1', NOW + 3)).toEqual({ spentNanoUsd: 30, reservedNanoUsd: 0 });

    shared.set('answer');
    const callsBefore = shared.calls();
    await state.admit('t', request(), NOW + 999); // still backing off: local
    expect(shared.calls()).toBe(callsBefore);
    expect((await state.admit('t', request(), NOW + 1_001)).allowed).toBe(true); // the probe
    expect(state.degraded).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['degraded', 'recovered']);
    await expect.poll(() => state.pendingSettlements).toBe(0);
    // The shared budget got both costs and lost the reservation of the request it had admitted.
    expect(shared.inner.budgetView('t', 'd1', NOW + 1_002)).toEqual({
      spentNanoUsd: 100,
      reservedNanoUsd: 0,
    });
  });

  it('probes with a ping of its own when the store has one: no request waits on a store still down', async () => {
    const shared = controllable();
    let pings = 0;
    let pingAnswers = false;
    (shared.store as StateStore & { ping: () => Promise<void> }).ping = () => {
      pings += 1;
      return pingAnswers ? Promise.resolve() : new Promise<void>(() => {});
    };
    const events: FallbackEvent[] = [];
    const state = new FallbackState(shared.store, {
      mode: 'local',
      timeoutMs: 20,
      probeEveryMs: 1_000,
      onEvent: (e) => events.push(e),
    });
    shared.set('hang');
    expect((await state.admit('t', request({ rpm: 100 }), NOW)).allowed).toBe(true);
    expect(state.degraded).toBe(true);
    const callsAfterOutage = shared.calls();
    // Due for a probe: the ping goes (and hangs), the request answers locally at once.
    const started = performance.now();
    expect((await state.admit('t', request({ rpm: 100 }), NOW + 1_001)).allowed).toBe(true);
    expect(performance.now() - started).toBeLessThan(15);
    expect(pings).toBe(1);
    expect(shared.calls()).toBe(callsAfterOutage);
    // The ping times out (a failure, still degraded, no second event).
    await expect.poll(() => state.failures).toBe(2);
    expect(events).toHaveLength(1);
    // The store is back: the next due ping recovers it, and the request after goes to the store again.
    shared.set('answer');
    pingAnswers = true;
    expect((await state.admit('t', request({ rpm: 100 }), NOW + 2_100)).allowed).toBe(true);
    await expect.poll(() => state.degraded).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['degraded', 'recovered']);
    expect((await state.admit('t', request({ rpm: 100 }), NOW + 2_101)).allowed).toBe(true);
    expect(shared.calls()).toBe(callsAfterOutage + 1);
  });

  it('drops the oldest missed settlement past the bound, and says so', async () => {
    const shared = controllable();
    const events: FallbackEvent[] = [];
    const state = new FallbackState(shared.store, {
      mode: 'local',
      timeoutMs: 20,
      maxPendingSettlements: 2,
      onEvent: (e) => events.push(e),
    });
    shared.set('fail');
    for (let i = 0; i < 3; i++) await state.settle('t', settlement(`x${i}`, 1), NOW);
    expect(state.pendingSettlements).toBe(2);
    expect(state.droppedSettlements).toBe(1);
    expect(events.at(-1)).toEqual({ kind: 'settlement_dropped', scope: 't', requestId: 'x0' });
  });

  it('seeds both stores, so local budgets start from the ledger', async () => {
    const shared = controllable();
    const state = new FallbackState(shared.store, { mode: 'local', timeoutMs: 20 });
    shared.set('hang');
    await state.seedSpend('t', 'd1', budget.periodEndMs, 950);
    expect(await state.admit('t', request({ rpm: undefined, budget }), NOW)).toMatchObject({
      allowed: false,
      refusal: 'budget',
    });
  });
});

describe('FallbackState over a real ioredis client', () => {
  let closedPort = 0;
  let silent: Server;
  let silentPort = 0;
  const held: Socket[] = [];
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // Accepts connections and never answers: a paused or wedged Redis.
    silent = createServer((socket) => {
      held.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  for (const target of ['closed port', 'silent server'] as const) {
    for (const mode of ['local', 'closed'] as const) {
      it(`${target}, mode ${mode}: admit answers without waiting for Redis`, async () => {
        const port = target === 'closed port' ? closedPort : silentPort;
        const redis = new RedisState(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 5_000 });
        const state = new FallbackState(redis, { mode, timeoutMs: 50 });
        const results = await Promise.all([1, 2, 3].map(() => state.admit('t', request(), NOW)));
        expect(results.map((r) => r.allowed)).toEqual(
          mode === 'local' ? [true, true, false] : [false, false, false],
        );
        if (mode === 'closed') expect(results[0]?.refusal).toBe('unavailable');
        expect(state.degraded).toBe(true);
        redis.redis.disconnect();
      });
    }
  }
});
