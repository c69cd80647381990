/**
 * The limits and budget half of the StateStore contract (admit, settle, budgetView, seedSpend,
 * claimOnce), run inside state-contract.ts on every store. Time is passed in, so every figure is exact.
 */
import { describe, expect, it } from 'vitest';
import type { AdmissionSpec, BudgetSpec } from '../../src/limits/types.ts';
import { MemoryState } from '../../src/state/memory.ts';
import type { StateStore } from '../../src/state/types.ts';

const WINDOW = 60_000;
/**
 * The start of a fixed window, near the wall clock: seedSpend has no clock argument and counts its
 * keys' time to live from the wall clock, so a period far in the past would expire at once.
 */
const W0 = Math.ceil(Date.now() / WINDOW) * WINDOW;
const HOUR = 3_600_000;

let unique = 0;
function scope(name: string): string {
  unique += 1;
  return `${name}-${unique}`;
}

let requestCounter = 0;
function spec(overrides: Partial<AdmissionSpec> = {}): AdmissionSpec {
  requestCounter += 1;
  return {
    requestId: `req-${requestCounter}`,
    rpm: undefined,
    tpm: undefined,
    concurrent: undefined,
    estimatedTokens: 0,
    budget: undefined,
    leaseMs: 30_000,
    ...overrides,
  };
}

function budget(overrides: Partial<BudgetSpec> = {}): BudgetSpec {
  return {
    periodKey: 'd2023-11-14',
    periodEndMs: W0 + 24 * HOUR,
    limitNanoUsd: 1_000,
    hard: true,
    reserveNanoUsd: 400,
    ...overrides,
  };
}

export function limitsContract(store: () => StateStore): void {
  describe('requests per minute', () => {
    it('admits exactly the limit out of 200 concurrent requests, then says when one more fits', async () => {
      const s = scope('rpm');
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store().admit(s, spec({ rpm: 100 }), W0 + 1_000)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(100);
      const refused = results.find((r) => !r.allowed);
      // Next window, 100 in the previous one: one more fits once 1 % of it slid out (600 ms).
      expect(refused).toMatchObject({
        refusal: 'rpm',
        retryAfterMs: 59_000 + 600,
        requests: { limit: 100, remaining: 0, resetMs: 59_600 },
        tokens: undefined,
        budget: undefined,
      });
    });

    it('weighs the previous window by the part of it still inside the sliding minute', async () => {
      const s = scope('rpm');
      for (let i = 0; i < 60; i++)
        expect((await store().admit(s, spec({ rpm: 100 }), W0)).allowed).toBe(true);
      // Half-way through the next window, 60 × 0.5 = 30 still count: 70 fit.
      const half = W0 + WINDOW + WINDOW / 2;
      const first = await store().admit(s, spec({ rpm: 100 }), half);
      expect(first.requests).toEqual({ limit: 100, remaining: 69, resetMs: 0 });
      for (let i = 0; i < 69; i++)
        expect((await store().admit(s, spec({ rpm: 100 }), half)).allowed).toBe(true);
      const refused = await store().admit(s, spec({ rpm: 100 }), half);
      expect(refused.refusal).toBe('rpm');
      // previous 60 × (30 000 − d) + 70 × 60 000 ≤ 99 × 60 000  ⇔  d ≥ 1 000 ms.
      expect(refused.retryAfterMs).toBe(1_000);
      expect((await store().admit(s, spec({ rpm: 100 }), half + 999)).allowed).toBe(false);
      expect((await store().admit(s, spec({ rpm: 100 }), half + 1_000)).allowed).toBe(true);
      // Two windows later nothing counts any more.
      const fresh = await store().admit(s, spec({ rpm: 100 }), W0 + 3 * WINDOW);
      expect(fresh.requests?.remaining).toBe(99);
    });
  });

  describe('tokens per minute', () => {
    it('counts the estimate at admission; a refusal by TPM does not count against RPM', async () => {
      const s = scope('tpm');
      const limits = { rpm: 10, tpm: 100 };
      const first = await store().admit(s, spec({ ...limits, estimatedTokens: 60 }), W0);
      expect(first).toMatchObject({
        allowed: true,
        requests: { limit: 10, remaining: 9 },
        tokens: { limit: 100, remaining: 40, resetMs: 2 * WINDOW },
      });
      const refused = await store().admit(s, spec({ ...limits, estimatedTokens: 60 }), W0);
      expect(refused).toMatchObject({ allowed: false, refusal: 'tpm', requests: { remaining: 9 } });
      // 60 in this window: 60 tokens fit next window once 60 × (60 000 − e) ≤ 40 × 60 000, e = 20 000.
      expect(refused.retryAfterMs).toBe(WINDOW + 20_000);
      const fits = await store().admit(s, spec({ ...limits, estimatedTokens: 40 }), W0);
      expect(fits).toMatchObject({ allowed: true, requests: { remaining: 8 }, tokens: { remaining: 0 } });
    });

    it('replaces the estimate with the real count at settlement, never below zero', async () => {
      const s = scope('tpm');
      const admitted = spec({ tpm: 100, estimatedTokens: 80 });
      await store().admit(s, admitted, W0);
      await store().settle(
        s,
        {
          requestId: admitted.requestId,
          releaseConcurrent: false,
          tokens: { estimated: 80, actual: 20 },
          budget: undefined,
        },
        W0 + 10,
      );
      const next = await store().admit(s, spec({ tpm: 100, estimatedTokens: 80 }), W0 + 20);
      expect(next).toMatchObject({ allowed: true, tokens: { remaining: 0 } });
      await store().settle(
        s,
        {
          requestId: 'x',
          releaseConcurrent: false,
          tokens: { estimated: 1_000, actual: 0 },
          budget: undefined,
        },
        W0 + 30,
      );
      const empty = await store().admit(s, spec({ tpm: 100, estimatedTokens: 0 }), W0 + 40);
      expect(empty.tokens).toEqual({ limit: 100, remaining: 100, resetMs: 0 });
    });

    it('admits nothing under a limit of 0', async () => {
      const s = scope('zero');
      const refused = await store().admit(s, spec({ rpm: 5, tpm: 0, estimatedTokens: 0 }), W0);
      expect(refused).toMatchObject({ allowed: false, refusal: 'tpm', retryAfterMs: 2 * WINDOW });
      expect(refused.requests?.remaining).toBe(5);
      expect((await store().admit(s, spec({ rpm: 0 }), W0)).refusal).toBe('rpm');
    });

    it('admits a request larger than the whole limit into an empty window only', async () => {
      const s = scope('tpm');
      expect((await store().admit(s, spec({ tpm: 100, estimatedTokens: 500 }), W0)).allowed).toBe(true);
      const refused = await store().admit(s, spec({ tpm: 100, estimatedTokens: 500 }), W0 + 1);
      expect(refused).toMatchObject({ allowed: false, refusal: 'tpm', tokens: { remaining: 0 } });
      // It needs the sliding count at 0: the end of the next window.
      expect(refused.retryAfterMs).toBe(2 * WINDOW - 1);
    });
  });

  describe('concurrent requests', () => {
    it('counts live leases; a settlement releases one, an expired one stops counting', async () => {
      const s = scope('conc');
      const a = spec({ concurrent: 2, leaseMs: 5_000 });
      const b = spec({ concurrent: 2, leaseMs: 60_000 });
      expect((await store().admit(s, a, W0)).allowed).toBe(true);
      expect((await store().admit(s, b, W0)).allowed).toBe(true);
      const refused = await store().admit(s, spec({ concurrent: 2 }), W0 + 1);
      expect(refused).toMatchObject({ allowed: false, refusal: 'concurrent', retryAfterMs: 1_000 });
      // a's instance crashed: its lease ends at W0 + 5 000.
      expect((await store().admit(s, spec({ concurrent: 2 }), W0 + 4_999)).allowed).toBe(false);
      const c = spec({ concurrent: 2 });
      expect((await store().admit(s, c, W0 + 5_000)).allowed).toBe(true);
      await store().settle(
        s,
        { requestId: b.requestId, releaseConcurrent: true, tokens: undefined, budget: undefined },
        W0 + 5_001,
      );
      expect((await store().admit(s, spec({ concurrent: 2 }), W0 + 5_002)).allowed).toBe(true);
      expect((await store().admit(s, spec({ concurrent: 2 }), W0 + 5_003)).allowed).toBe(false);
    });

    it('checks concurrency first, then RPM, TPM and the budget, and a refusal moves nothing', async () => {
      const s = scope('order');
      const all = (over: Partial<AdmissionSpec>) =>
        spec({ concurrent: 1, rpm: 2, tpm: 100, estimatedTokens: 10, budget: budget(), ...over });
      const held = all({});
      expect((await store().admit(s, held, W0)).allowed).toBe(true);
      const refused = await store().admit(
        s,
        all({ rpm: 0, tpm: 0, budget: budget({ limitNanoUsd: 0 }) }),
        W0,
      );
      expect(refused.refusal).toBe('concurrent');
      await store().settle(
        s,
        { requestId: held.requestId, releaseConcurrent: true, tokens: undefined, budget: undefined },
        W0,
      );
      expect(
        (await store().admit(s, all({ rpm: 1, tpm: 0, budget: budget({ limitNanoUsd: 0 }) }), W0)).refusal,
      ).toBe('rpm');
      expect(
        (await store().admit(s, all({ tpm: 10, budget: budget({ limitNanoUsd: 0 }) }), W0)).refusal,
      ).toBe('tpm');
      const byBudget = await store().admit(s, all({ budget: budget({ limitNanoUsd: 500 }) }), W0);
      expect(byBudget).toMatchObject({
        refusal: 'budget',
        requests: { remaining: 1 },
        tokens: { remaining: 90 },
        budget: { spentNanoUsd: 0, reservedNanoUsd: 400 },
      });
      // None of the four refusals took a lease, a request, tokens or a reservation.
      const last = await store().admit(s, all({}), W0);
      expect(last).toMatchObject({
        allowed: true,
        requests: { remaining: 0 },
        tokens: { remaining: 80 },
        budget: { spentNanoUsd: 0, reservedNanoUsd: 800 },
      });
    });
  });

  describe('budgets', () => {
    it('admits against a hard budget only what fits with spent and live reservations', async () => {
      const s = scope('budget');
      const first = spec({ budget: budget() });
      expect(await store().admit(s, first, W0)).toMatchObject({
        allowed: true,
        budget: { spentNanoUsd: 0, reservedNanoUsd: 400 },
      });
      expect((await store().admit(s, spec({ budget: budget() }), W0)).allowed).toBe(true);
      const refused = await store().admit(s, spec({ budget: budget() }), W0 + 1_000);
      expect(refused).toMatchObject({
        allowed: false,
        refusal: 'budget',
        retryAfterMs: 24 * HOUR - 1_000,
        budget: { spentNanoUsd: 0, reservedNanoUsd: 800 },
      });
      await store().settle(
        s,
        {
          requestId: first.requestId,
          releaseConcurrent: false,
          tokens: undefined,
          budget: { periodKey: 'd2023-11-14', periodEndMs: W0 + 24 * HOUR, actualNanoUsd: 150 },
        },
        W0 + 2_000,
      );
      expect(await store().budgetView(s, 'd2023-11-14', W0 + 2_000)).toEqual({
        spentNanoUsd: 150,
        reservedNanoUsd: 400,
      });
      // 150 + 400 + 400 = 950 fits; then 150 + 800 + 400 does not.
      expect((await store().admit(s, spec({ budget: budget() }), W0 + 3_000)).allowed).toBe(true);
      expect(
        (await store().admit(s, spec({ budget: budget({ reserveNanoUsd: 51 }) }), W0 + 3_000)).allowed,
      ).toBe(false);
      expect(
        (await store().admit(s, spec({ budget: budget({ reserveNanoUsd: 50 }) }), W0 + 3_000)).allowed,
      ).toBe(true);
    });

    it('lets reservations of a crashed instance expire, and a late settlement still adds the cost', async () => {
      const s = scope('budget');
      const lost = spec({ budget: budget({ reserveNanoUsd: 900 }), leaseMs: 10_000 });
      expect((await store().admit(s, lost, W0)).allowed).toBe(true);
      expect(await store().budgetView(s, 'd2023-11-14', W0 + 9_999)).toEqual({
        spentNanoUsd: 0,
        reservedNanoUsd: 900,
      });
      expect(await store().budgetView(s, 'd2023-11-14', W0 + 10_000)).toEqual({
        spentNanoUsd: 0,
        reservedNanoUsd: 0,
      });
      expect(
        (await store().admit(s, spec({ budget: budget({ reserveNanoUsd: 1_000 }) }), W0 + 10_000)).allowed,
      ).toBe(true);
      await store().settle(
        s,
        {
          requestId: lost.requestId,
          releaseConcurrent: false,
          tokens: undefined,
          budget: { periodKey: 'd2023-11-14', periodEndMs: W0 + 24 * HOUR, actualNanoUsd: 700 },
        },
        W0 + 11_000,
      );
      expect(await store().budgetView(s, 'd2023-11-14', W0 + 11_000)).toEqual({
        spentNanoUsd: 700,
        reservedNanoUsd: 1_000,
      });
    });

    it('always admits under a soft budget, still reserving and reporting', async () => {
      const s = scope('soft');
      for (let i = 0; i < 4; i++) {
        const result = await store().admit(s, spec({ budget: budget({ hard: false }) }), W0);
        expect(result).toMatchObject({ allowed: true, budget: { reservedNanoUsd: 400 * (i + 1) } });
      }
    });

    it('keeps periods and scopes apart', async () => {
      const s = scope('budget');
      await store().admit(s, spec({ budget: budget() }), W0);
      await store().admit(s, spec({ budget: budget({ periodKey: 'd2023-11-15' }) }), W0);
      expect(await store().budgetView(s, 'd2023-11-14', W0)).toEqual({
        spentNanoUsd: 0,
        reservedNanoUsd: 400,
      });
      expect(await store().budgetView(scope('other'), 'd2023-11-14', W0)).toEqual({
        spentNanoUsd: 0,
        reservedNanoUsd: 0,
      });
    });

    it('counts integer nano-dollars exactly past 2^50', async () => {
      const s = scope('big');
      const big = 2 ** 50 + 3;
      await store().seedSpend(s, 'm2023-11', W0 + 24 * HOUR, big);
      await store().settle(
        s,
        {
          requestId: 'r',
          releaseConcurrent: false,
          tokens: undefined,
          budget: { periodKey: 'm2023-11', periodEndMs: W0 + 24 * HOUR, actualNanoUsd: 2 },
        },
        W0,
      );
      expect((await store().budgetView(s, 'm2023-11', W0)).spentNanoUsd).toBe(big + 2);
    });

    it('seeds the spent figure only when the period has none', async () => {
      const s = scope('seed');
      await store().seedSpend(s, 'd2023-11-14', W0 + 24 * HOUR, 600);
      await store().seedSpend(s, 'd2023-11-14', W0 + 24 * HOUR, 100);
      expect(await store().budgetView(s, 'd2023-11-14', W0)).toEqual({
        spentNanoUsd: 600,
        reservedNanoUsd: 0,
      });
      expect((await store().admit(s, spec({ budget: budget({ reserveNanoUsd: 401 }) }), W0)).refusal).toBe(
        'budget',
      );
      const settled = scope('seed');
      await store().settle(
        settled,
        {
          requestId: 'r',
          releaseConcurrent: false,
          tokens: undefined,
          budget: { periodKey: 'd2023-11-14', periodEndMs: W0 + 24 * HOUR, actualNanoUsd: 5 },
        },
        W0,
      );
      await store().seedSpend(settled, 'd2023-11-14', W0 + 24 * HOUR, 900);
      expect((await store().budgetView(settled, 'd2023-11-14', W0)).spentNanoUsd).toBe(5);
    });
  });

  describe('agreement', () => {
    it('answers as the memory store over a seeded random sequence of 400 admissions and settlements', async () => {
      // On the memory store this is a determinism check; on Redis it proves admit.lua and settle.lua
      // apply the same arithmetic as memory-limits.ts, step by step.
      const reference = new MemoryState();
      const s = scope('agree');
      let seed = 11;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed / 2_147_483_648;
      };
      const open: { id: string; tokens: number }[] = [];
      const seen = new Set<string>();
      let now = W0 + 17;
      for (let step = 0; step < 400; step++) {
        now += Math.floor(random() * 4_000);
        if (random() < 0.6 || open.length === 0) {
          const request = spec({
            // Tuned so that each of the four refusals happens more than once in the sequence.
            rpm: 11,
            tpm: 2_800,
            concurrent: 3,
            estimatedTokens: Math.floor(random() * 400),
            budget: budget({ limitNanoUsd: 120_000, reserveNanoUsd: Math.floor(random() * 2_000) }),
            leaseMs: 5_000 + Math.floor(random() * 20_000),
          });
          const expected = reference.admit(s, request, now);
          expect({ step, result: await store().admit(s, request, now) }).toEqual({ step, result: expected });
          if (expected.allowed) open.push({ id: request.requestId, tokens: request.estimatedTokens });
          else seen.add(expected.refusal as string);
        } else {
          const [done] = open.splice(Math.floor(random() * open.length), 1);
          const settlement = {
            requestId: done?.id as string,
            releaseConcurrent: random() < 0.9,
            tokens: { estimated: done?.tokens as number, actual: Math.floor(random() * 500) },
            budget: {
              periodKey: 'd2023-11-14',
              periodEndMs: W0 + 24 * HOUR,
              actualNanoUsd: Math.floor(random() * 2_500),
            },
          };
          reference.settle(s, settlement, now);
          await store().settle(s, settlement, now);
          const view = await store().budgetView(s, 'd2023-11-14', now);
          expect({ step, view }).toEqual({ step, view: reference.budgetView(s, 'd2023-11-14', now) });
        }
      }
      expect([...seen].sort()).toEqual(['budget', 'concurrent', 'rpm', 'tpm']);
    });
  });

  describe('claimOnce', () => {
    it('is true for the first caller only, until the claim expires', async () => {
      const key = scope('webhook');
      expect(await store().claimOnce(key, 1_000, W0)).toBe(true);
      expect(await store().claimOnce(key, 1_000, W0 + 10)).toBe(false);
      expect(await store().claimOnce(scope('webhook'), 1_000, W0 + 10)).toBe(true);
    });
  });
}
