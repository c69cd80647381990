/**
 * The contract every StateStore keeps (docs/style.md §1.6, §2.6), run by memory.test.ts and redis.test.ts.
 * Time is passed in (`nowMs`), so the cases are deterministic on both stores; the breaker cases also
 * replay a seeded random sequence against the pure machine in src/routing/breaker.ts, which proves the
 * Lua copy and the TypeScript one agree step by step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BreakerPolicy,
  type BreakerRecord,
  acquireBreakerTrial,
  breakerView,
  newBreakerRecord,
  recordBreakerOutcome,
} from '../../src/routing/breaker.ts';
import type { StateStore } from '../../src/state/types.ts';
import { limitsContract } from './limits-contract.ts';

export interface StateContractOptions {
  /** Cases this store cannot run, each with the reason (printed by the suite). */
  skip?: Record<string, string>;
}

export const policy: BreakerPolicy = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  minimumRequests: 20,
  windowMs: 10_000,
  openMs: 1_000,
  maxOpenMs: 8_000,
  halfOpenTrials: 2,
  trialTimeoutMs: 1_000,
};

const T0 = 1_700_000_000_000;

let unique = 0;
function id(name: string): string {
  unique += 1;
  return `${name}-${unique}`;
}

export function stateContract(
  name: string,
  factory: () => Promise<StateStore>,
  options: StateContractOptions = {},
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    beforeAll(async () => {
      store = await factory();
      for (const [test, reason] of Object.entries(options.skip ?? {}))
        console.log(`[state contract: ${name}] skipped "${test}": ${reason}`);
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('counters', () => {
      it('adds, per key, with fractions', async () => {
        const key = id('counter');
        expect(await store.increment(key, 1, 60_000, T0)).toBe(1);
        expect(await store.increment(key, 2.5, 60_000, T0)).toBe(3.5);
        expect(await store.increment(id('other'), 1, 60_000, T0)).toBe(1);
      });
    });

    describe('token buckets', () => {
      it('lets a burst of `capacity` through, then refuses with the wait until enough tokens are back', async () => {
        const key = id('bucket');
        const spec = { capacity: 3, refillPerSecond: 2 };
        for (let i = 0; i < 3; i++) expect((await store.takeTokens(key, spec, 1, T0)).allowed).toBe(true);
        const refused = await store.takeTokens(key, spec, 1, T0);
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBe(500);
        const later = await store.takeTokens(key, spec, 1, T0 + 500);
        expect(later.allowed).toBe(true);
        expect(later.remaining).toBeCloseTo(0, 6);
      });

      it('refills up to capacity only, and takes all or nothing', async () => {
        const key = id('bucket');
        const spec = { capacity: 10, refillPerSecond: 1 };
        expect((await store.takeTokens(key, spec, 10, T0)).allowed).toBe(true);
        const big = await store.takeTokens(key, spec, 5, T0 + 2_000);
        expect(big).toEqual({ allowed: false, remaining: 2, retryAfterMs: 3_000 });
        const full = await store.takeTokens(key, spec, 0, T0 + 3_600_000);
        expect(full.remaining).toBe(10);
      });
    });

    describe('cooldowns', () => {
      it('lists members still cooling, keeps the later deadline, forgets expired and cleared ones', async () => {
        const scope = id('keys');
        await store.setCooldown(scope, 'a', T0 + 1_000);
        await store.setCooldown(scope, 'b', T0 + 5_000);
        await store.setCooldown(scope, 'b', T0 + 2_000); // earlier: ignored
        await store.setCooldown(scope, 'c', T0 + 9_000);
        expect(await store.cooldowns(scope, T0)).toEqual(
          new Map([
            ['a', T0 + 1_000],
            ['b', T0 + 5_000],
            ['c', T0 + 9_000],
          ]),
        );
        await store.clearCooldown(scope, 'c');
        expect(await store.cooldowns(scope, T0 + 1_000)).toEqual(new Map([['b', T0 + 5_000]]));
        expect((await store.cooldowns(id('empty'), T0)).size).toBe(0);
      });
    });

    describe('circuit breakers', () => {
      it('opens on consecutive failures, and a success in between resets the count', async () => {
        const b = id('brk');
        for (let i = 0; i < 4; i++) await store.recordOutcome(b, 'failure', T0 + i, policy);
        expect((await store.recordOutcome(b, 'success', T0 + 4, policy)).state).toBe('closed');
        for (let i = 0; i < 4; i++) await store.recordOutcome(b, 'failure', T0 + 5 + i, policy);
        const view = await store.recordOutcome(b, 'failure', T0 + 9, policy);
        expect(view).toMatchObject({ state: 'open', generation: 1, since: T0 + 9, until: T0 + 1_009 });
      });

      it('opens on the failure rate only once the window holds the minimum volume', async () => {
        const b = id('brk');
        // Alternate 3 failures and 2 successes: 60 % failures, never 5 in a row.
        let now = T0;
        let last = await store.recordOutcome(b, 'success', now, policy);
        for (let i = 1; i < 19; i++) {
          now += 10;
          last = await store.recordOutcome(b, i % 5 < 3 ? 'failure' : 'success', now, policy);
        }
        expect(last.state).toBe('closed');
        expect(last.windowRequests).toBe(19);
        now += 10;
        last = await store.recordOutcome(b, 'failure', now, policy);
        expect(last.state).toBe('open');
      });

      it('forgets failures older than the window', async () => {
        const b = id('brk');
        for (let i = 0; i < 15; i++)
          await store.recordOutcome(b, i % 2 ? 'success' : 'failure', T0 + i, policy);
        // 11 s later the old bucket is out of the window: 10 fresh requests at 60 % do not reach 20.
        let last = await store.recordOutcome(b, 'success', T0 + 11_000, policy);
        for (let i = 1; i < 10; i++)
          last = await store.recordOutcome(b, i % 5 < 3 ? 'failure' : 'success', T0 + 11_000 + i, policy);
        expect(last.state).toBe('closed');
        expect(last.windowRequests).toBe(10);
      });

      it('blocks while open, then lets `halfOpenTrials` trials through and closes on the first success', async () => {
        const b = id('brk');
        for (let i = 0; i < 5; i++) await store.recordOutcome(b, 'failure', T0, policy);
        expect((await store.acquireTrial(b, T0 + 999, policy)).granted).toBe(false);
        const first = await store.acquireTrial(b, T0 + 1_000, policy);
        expect(first.granted).toBe(true);
        expect(first.view.state).toBe('half_open');
        expect((await store.acquireTrial(b, T0 + 1_001, policy)).granted).toBe(true);
        expect((await store.acquireTrial(b, T0 + 1_002, policy)).granted).toBe(false);
        // One answered trial is enough (issue 13): traffic returns within one open period of a recovery.
        const closed = await store.recordOutcome(b, 'success', T0 + 1_050, policy);
        expect(closed).toMatchObject({ state: 'closed', opens: 0, consecutiveFailures: 0 });
        expect((await store.acquireTrial(b, T0 + 1_070, policy)).granted).toBe(true);
      });

      it('reopens on a failed trial for twice as long, up to the maximum', async () => {
        const b = id('brk');
        let view = await store.recordOutcome(b, 'failure', T0, policy);
        for (let i = 1; i < 5; i++) view = await store.recordOutcome(b, 'failure', T0, policy);
        let now = view.until;
        const durations: number[] = [view.until - view.since];
        for (let round = 0; round < 4; round++) {
          expect((await store.acquireTrial(b, now, policy)).granted).toBe(true);
          const reopened = await store.recordOutcome(b, 'failure', now + 1, policy);
          durations.push(reopened.until - reopened.since);
          now = reopened.until;
        }
        expect(durations).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
      });

      it('hands out trial permits again when the earlier ones never reported back', async () => {
        const b = id('brk');
        for (let i = 0; i < 5; i++) await store.recordOutcome(b, 'failure', T0, policy);
        expect((await store.acquireTrial(b, T0 + 1_000, policy)).granted).toBe(true);
        expect((await store.acquireTrial(b, T0 + 1_000, policy)).granted).toBe(true);
        expect((await store.acquireTrial(b, T0 + 1_500, policy)).granted).toBe(false);
        expect((await store.acquireTrial(b, T0 + 2_000, policy)).granted).toBe(true);
      });

      it('isolates by hand (outcomes ignored, nothing passes) and closes by hand with a clean slate', async () => {
        const b = id('brk');
        const isolated = await store.forceBreaker(b, 'isolate', T0);
        expect(isolated).toMatchObject({ state: 'isolated', generation: 1 });
        await store.recordOutcome(b, 'success', T0 + 1, policy);
        expect((await store.acquireTrial(b, T0 + 60_000, policy)).granted).toBe(false);
        const closed = await store.forceBreaker(b, 'close', T0 + 60_001);
        expect(closed).toMatchObject({ state: 'closed', generation: 2, since: T0 + 60_001 });
        expect((await store.acquireTrial(b, T0 + 60_002, policy)).granted).toBe(true);
      });

      it('lists every breaker that changed state, with its generation', async () => {
        const b = id('brk');
        for (let i = 0; i < 5; i++) await store.recordOutcome(b, 'failure', T0, policy);
        const untouched = id('brk');
        await store.recordOutcome(untouched, 'success', T0, policy);
        const all = await store.breakers();
        expect(all.get(b)).toMatchObject({ state: 'open', generation: 1, until: T0 + 1_000 });
        expect(all.has(untouched)).toBe(false);
      });

      it('agrees with the pure machine over a seeded random sequence of 400 operations', async () => {
        const b = id('brk');
        const reference: BreakerRecord = newBreakerRecord();
        let seed = 42;
        const random = () => {
          seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
          return seed / 2_147_483_648;
        };
        let now = T0;
        for (let step = 0; step < 400; step++) {
          now += Math.floor(random() * 400);
          const roll = random();
          if (roll < 0.3) {
            const expected = acquireBreakerTrial(reference, now, policy);
            const actual = await store.acquireTrial(b, now, policy);
            expect({ step, granted: actual.granted }).toEqual({ step, granted: expected });
            expect(actual.view).toEqual(breakerView(reference, now, policy));
          } else {
            const outcome = roll < 0.75 ? 'failure' : 'success';
            recordBreakerOutcome(reference, outcome, now, policy);
            const actual = await store.recordOutcome(b, outcome, now, policy);
            expect({ step, view: actual }).toEqual({ step, view: breakerView(reference, now, policy) });
          }
        }
        expect(reference.g).toBeGreaterThan(10);
      });
    });

    describe('limits and budgets', () => {
      limitsContract(() => store);
    });
  });
}
