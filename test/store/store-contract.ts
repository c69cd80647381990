/**
 * The contract every Store keeps (docs/style.md §1.6, §2.6), run by sqlite.test.ts and postgres.test.ts.
 * Each case gets a fresh, empty store from the factory, so listings can be compared whole.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PriceOverride,
  SpendEntry,
  Store,
  TenantRecord,
  VirtualKeyRecord,
} from '../../src/store/types.ts';
import { requestRow, T0 } from './request-rows.ts';

export interface StoreUnderTest {
  store: Store;
  /** Opens the same database again (after the case closed `store`); absent for in-memory stores. */
  reopen?: () => Promise<Store>;
}

export interface StoreContractOptions {
  /** Cases this store cannot run, each with the reason (printed by the suite). */
  skip?: Record<string, string>;
}

const HOUR = 3_600_000;
const H0 = Date.UTC(2026, 11, 7, 0);

export function keyRecord(id: string, overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    id,
    keyHash: createHash('sha256').update(id).digest('hex'),
    keyHint: id.slice(-4),
    tenant: 'acme',
    tier: null,
    models: null,
    name: null,
    createdAt: H0,
    revokedAt: null,
    ...overrides,
  };
}

function tenantRecord(name: string, overrides: Partial<TenantRecord> = {}): TenantRecord {
  return { name, tier: null, settings: {}, createdAt: H0, updatedAt: H0, ...overrides };
}

function price(name: string, overrides: Partial<PriceOverride> = {}): PriceOverride {
  return {
    name,
    input: 2.5,
    output: 10,
    cachedInput: null,
    cacheWriteInput: null,
    cacheWrite1hInput: null,
    batchDiscount: null,
    updatedAt: H0,
    ...overrides,
  };
}

function spend(tenant: string, hour: number, usd: number, requests = 1): SpendEntry {
  return { tenant, hourStart: H0 + hour * HOUR, usd, requests };
}

export function storeContract(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    for (const [test, reason] of Object.entries(options.skip ?? {}))
      console.log(`[store contract: ${name}] skipped "${test}": ${reason}`);
    const skipped = (test: string): boolean => options.skip?.[test] !== undefined;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
    });

    it('answers ping while open and rejects once closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });

    describe('virtual keys', () => {
      it('stores every field of a key and reads it back by id', async () => {
        const key = keyRecord('key_full', {
          tier: 'gold',
          models: ['gpt-4.1', 'anthropic/claude-sonnet-4'],
          name: 'CI runner',
        });
        await store.insertKey(key);
        expect(await store.getKey('key_full')).toEqual(key);
        await store.insertKey(keyRecord('key_bare'));
        expect(await store.getKey('key_bare')).toEqual(keyRecord('key_bare'));
        expect(await store.getKey('key_missing')).toBeUndefined();
      });

      it('lists keys newest first, revoked ones included, for one tenant or all', async () => {
        await store.insertKey(keyRecord('key_a1', { tenant: 'a', createdAt: H0 }));
        await store.insertKey(keyRecord('key_b1', { tenant: 'b', createdAt: H0 + 1 }));
        await store.insertKey(keyRecord('key_a2', { tenant: 'a', createdAt: H0 + 2 }));
        await store.revokeKey('key_a1', H0 + 3);
        expect((await store.listKeys({})).map((key) => key.id)).toEqual(['key_a2', 'key_b1', 'key_a1']);
        const listed = await store.listKeys({ tenant: 'a' });
        expect(listed.map((key) => [key.id, key.revokedAt])).toEqual([
          ['key_a2', null],
          ['key_a1', H0 + 3],
        ]);
        expect(await store.listKeys({ tenant: 'nobody' })).toEqual([]);
      });

      it('revokes a live key once; a revoked or unknown key answers false', async () => {
        await store.insertKey(keyRecord('key_r'));
        expect(await store.revokeKey('key_r', H0 + 10)).toBe(true);
        expect(await store.revokeKey('key_r', H0 + 20)).toBe(false);
        expect((await store.getKey('key_r'))?.revokedAt).toBe(H0 + 10);
        expect(await store.revokeKey('key_unknown', H0)).toBe(false);
      });

      it('refuses a second key with the same hash or id and keeps the first', async () => {
        await store.insertKey(keyRecord('key_one', { keyHash: 'f'.repeat(64) }));
        await expect(store.insertKey(keyRecord('key_two', { keyHash: 'f'.repeat(64) }))).rejects.toThrow();
        await expect(store.insertKey(keyRecord('key_one', { keyHash: 'e'.repeat(64) }))).rejects.toThrow();
        expect((await store.listKeys({})).map((key) => [key.id, key.keyHash])).toEqual([
          ['key_one', 'f'.repeat(64)],
        ]);
        expect(await store.getKey('key_two')).toBeUndefined();
      });

      it('reports each key change once, incrementally from a cursor, revocations included', async () => {
        expect(await store.keysChangedSince(0)).toEqual({ cursor: 0, keys: [] });
        await store.insertKey(keyRecord('key_1'));
        await store.insertKey(keyRecord('key_2', { createdAt: H0 + 1 }));
        const first = await store.keysChangedSince(0);
        expect(first.keys.map((key) => key.id)).toEqual(['key_1', 'key_2']);
        expect(first.cursor).toBeGreaterThan(0);

        const idle = await store.keysChangedSince(first.cursor);
        expect(idle).toEqual({ cursor: first.cursor, keys: [] });

        await store.insertKey(keyRecord('key_3', { createdAt: H0 + 2 }));
        await store.revokeKey('key_1', H0 + 5);
        const second = await store.keysChangedSince(first.cursor);
        expect(second.keys.map((key) => [key.id, key.revokedAt])).toEqual([
          ['key_3', null],
          ['key_1', H0 + 5],
        ]);
        expect(second.cursor).toBeGreaterThan(first.cursor);
        expect(await store.keysChangedSince(second.cursor)).toEqual({ cursor: second.cursor, keys: [] });

        // From the start, each key appears once, in its latest state, ordered by its last change.
        const all = await store.keysChangedSince(0);
        expect(all.keys.map((key) => key.id)).toEqual(['key_2', 'key_3', 'key_1']);
        expect(all.cursor).toBe(second.cursor);
      });

      it('does not report a refused insert or a revoke that matched nothing as a change', async () => {
        await store.insertKey(keyRecord('key_x', { keyHash: 'a'.repeat(64) }));
        const { cursor } = await store.keysChangedSince(0);
        await expect(store.insertKey(keyRecord('key_y', { keyHash: 'a'.repeat(64) }))).rejects.toThrow();
        expect(await store.revokeKey('key_none', H0)).toBe(false);
        expect((await store.keysChangedSince(cursor)).keys).toEqual([]);
      });

      it('gives concurrent inserts distinct change values, each seen once', async () => {
        const ids = Array.from({ length: 20 }, (_, i) => `key_c${i}`);
        await Promise.all(ids.map((id, i) => store.insertKey(keyRecord(id, { createdAt: H0 + i }))));
        const seen = (await store.keysChangedSince(0)).keys.map((key) => key.id);
        expect([...seen].sort()).toEqual([...ids].sort());
      });
    });

    describe('tenants', () => {
      it('inserts, lists by name, updates in place keeping createdAt, and deletes', async () => {
        await store.upsertTenant(tenantRecord('zeta'));
        const settings = {
          models: ['gpt-4.1'],
          limits: { rpm: 60, tpm: 100_000 },
          budget: { daily_usd: 12.5 },
        };
        await store.upsertTenant(tenantRecord('alpha', { tier: 'gold', settings }));
        expect(await store.listTenants()).toEqual([
          tenantRecord('alpha', { tier: 'gold', settings }),
          tenantRecord('zeta'),
        ]);

        await store.upsertTenant(
          tenantRecord('zeta', {
            tier: 'free',
            settings: { rpm: 5 },
            createdAt: H0 + 99,
            updatedAt: H0 + 100,
          }),
        );
        expect((await store.listTenants())[1]).toEqual(
          tenantRecord('zeta', { tier: 'free', settings: { rpm: 5 }, createdAt: H0, updatedAt: H0 + 100 }),
        );

        expect(await store.deleteTenant('zeta')).toBe(true);
        expect(await store.deleteTenant('zeta')).toBe(false);
        expect((await store.listTenants()).map((tenant) => tenant.name)).toEqual(['alpha']);
      });
    });

    describe('spend ledger', () => {
      it('adds spend into its tenant-hour row across calls and within one batch', async () => {
        await store.addSpend([spend('acme', 0, 0.1), spend('acme', 0, 0.2, 2), spend('beta', 0, 1)]);
        await store.addSpend([spend('acme', 0, 0.25, 3)]);
        await store.addSpend([]);
        const rows = await store.spendByHour({ fromMs: H0, toMs: H0 + HOUR });
        expect(rows.map((row) => [row.tenant, row.hourStart, row.requests])).toEqual([
          ['acme', H0, 6],
          ['beta', H0, 1],
        ]);
        expect(rows[0]?.usd).toBeCloseTo(0.55, 12);
        expect(rows[1]?.usd).toBe(1);
      });

      it('writes a large batch whole', async () => {
        const entries: SpendEntry[] = [];
        for (let tenant = 0; tenant < 40; tenant++)
          for (let hour = 0; hour < 50; hour++) entries.push(spend(`t${tenant}`, hour, 0.5, 1));
        await store.addSpend([...entries, ...entries]);
        const rows = await store.spendByHour({ fromMs: H0, toMs: H0 + 50 * HOUR });
        expect(rows).toHaveLength(2000);
        expect(rows.every((row) => row.usd === 1 && row.requests === 2)).toBe(true);
      });

      it('refuses a batch with a malformed entry and writes none of it', async () => {
        const bad: SpendEntry[] = [
          { tenant: 'acme', hourStart: H0, usd: Number.NaN, requests: 1 },
          { tenant: 'acme', hourStart: H0 + 1, usd: 1, requests: 1 },
          { tenant: 'acme', hourStart: H0, usd: -1, requests: 1 },
          { tenant: 'acme', hourStart: H0, usd: 1, requests: 0.5 },
          { tenant: '', hourStart: H0, usd: 1, requests: 1 },
        ];
        for (const entry of bad)
          await expect(store.addSpend([spend('acme', 0, 1), entry])).rejects.toThrow(TypeError);
        expect(await store.spendByHour({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })).toEqual([]);
      });

      it('reads rows with from <= hourStart < to, for one tenant or all, in hour order', async () => {
        await store.addSpend([
          spend('acme', 2, 3),
          spend('acme', 0, 1),
          spend('acme', 1, 2),
          spend('beta', 1, 20),
          spend('acme', 3, 4),
        ]);
        const acme = await store.spendByHour({ tenant: 'acme', fromMs: H0 + HOUR, toMs: H0 + 3 * HOUR });
        expect(acme).toEqual([spend('acme', 1, 2), spend('acme', 2, 3)]);
        const all = await store.spendByHour({ fromMs: H0 + HOUR, toMs: H0 + 2 * HOUR });
        expect(all).toEqual([spend('acme', 1, 2), spend('beta', 1, 20)]);
        expect(await store.spendByHour({ tenant: 'nobody', fromMs: 0, toMs: H0 + 9 * HOUR })).toEqual([]);
        expect(await store.spendByHour({ fromMs: H0 + 4 * HOUR, toMs: H0 + 9 * HOUR })).toEqual([]);
      });
    });

    describe('price overrides', () => {
      it('inserts, replaces by name, keeps nulls, and lists by name', async () => {
        await store.upsertPrices([price('openai/gpt-4.1'), price('claude-sonnet-4', { cachedInput: 0.3 })]);
        await store.upsertPrices([
          price('openai/gpt-4.1', { input: 2, output: 8, batchDiscount: 0.5, updatedAt: H0 + 1 }),
        ]);
        await store.upsertPrices([]);
        expect(await store.listPrices()).toEqual([
          price('claude-sonnet-4', { cachedInput: 0.3 }),
          price('openai/gpt-4.1', { input: 2, output: 8, batchDiscount: 0.5, updatedAt: H0 + 1 }),
        ]);
      });

      it('stores the cache-write price, replaces it and clears it back to null', async () => {
        await store.upsertPrices([price('claude-sonnet-4-5', { cachedInput: 0.3, cacheWriteInput: 3.75 })]);
        expect(await store.listPrices()).toEqual([
          price('claude-sonnet-4-5', { cachedInput: 0.3, cacheWriteInput: 3.75 }),
        ]);
        await store.upsertPrices([
          price('claude-sonnet-4-5', { cacheWriteInput: 6, cacheWrite1hInput: 9.5, updatedAt: H0 + 1 }),
        ]);
        expect(await store.listPrices()).toEqual([
          price('claude-sonnet-4-5', { cacheWriteInput: 6, cacheWrite1hInput: 9.5, updatedAt: H0 + 1 }),
        ]);
        await store.upsertPrices([price('claude-sonnet-4-5', { updatedAt: H0 + 2 })]);
        expect(await store.listPrices()).toEqual([price('claude-sonnet-4-5', { updatedAt: H0 + 2 })]);
      });

      it('keeps the last of two entries for one name in a batch', async () => {
        await store.upsertPrices([price('m', { input: 1 }), price('m', { input: 3 })]);
        expect(await store.listPrices()).toEqual([price('m', { input: 3 })]);
      });
    });

    describe('alert claims', () => {
      it('grants a condition and period once, to the first caller only', async () => {
        expect(await store.claimAlert('budget:acme:80', 'd2026-12-07', H0)).toBe(true);
        expect(await store.claimAlert('budget:acme:80', 'd2026-12-07', H0 + 1)).toBe(false);
        expect(await store.claimAlert('budget:acme:80', 'd2026-12-08', H0 + 2)).toBe(true);
        expect(await store.claimAlert('budget:acme:90', 'd2026-12-07', H0 + 3)).toBe(true);
        const racers = await Promise.all(
          Array.from({ length: 8 }, () => store.claimAlert('unknown_price:x', 'once', H0)),
        );
        expect(racers.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('request log', () => {
      it('stores every field of a row and lists rows newest first, with each filter', async () => {
        const full = requestRow('req_full', {
          timeMs: T0 + 3,
          stream: true,
          cache: 'MISS',
          usageEstimated: true,
        });
        await store.insertRequests([
          requestRow('req_old', { timeMs: T0 + 1, tenant: 'beta', provider: 'anthropic' }),
          requestRow('req_failed', {
            timeMs: T0 + 2,
            status: 503,
            provider: null,
            upstreamModel: null,
            costUsd: null,
            finishReason: null,
            errorCode: 'upstream_unavailable',
          }),
          full,
        ]);
        await store.insertRequests([
          requestRow('req_tenantless', { timeMs: T0 + 4, tenant: null, keyId: null }),
        ]);
        expect((await store.queryRequests({ limit: 10 })).map((row) => row.requestId)).toEqual([
          'req_tenantless',
          'req_full',
          'req_failed',
          'req_old',
        ]);
        expect(
          (await store.queryRequests({ limit: 10 })).find((row) => row.requestId === 'req_full'),
        ).toEqual(full);
        const ids = async (filter: Parameters<Store['queryRequests']>[0]) =>
          (await store.queryRequests(filter)).map((row) => row.requestId);
        expect(await ids({ limit: 2 })).toEqual(['req_tenantless', 'req_full']);
        expect(await ids({ limit: 10, tenant: 'beta' })).toEqual(['req_old']);
        expect(await ids({ limit: 10, provider: 'anthropic' })).toEqual(['req_old']);
        expect(await ids({ limit: 10, status: { exact: 503 } })).toEqual(['req_failed']);
        expect(await ids({ limit: 10, status: { from: 400, to: 600 } })).toEqual(['req_failed']);
        expect(await ids({ limit: 10, status: { from: 200, to: 300 }, tenant: 'acme' })).toEqual([
          'req_full',
        ]);
        expect(await ids({ limit: 10, beforeMs: T0 + 3 })).toEqual(['req_failed', 'req_old']);
        expect(await ids({ limit: 10, tenant: 'nobody' })).toEqual([]);
      });

      // Observability audit item 6: `status=error` missed a stream that failed after its 200, which the
      // dashboard's failures panel reads; item 5: such rows name the provider last tried.
      it('lists as failed any status >= 400 and any 2xx carrying an error code', async () => {
        await store.insertRequests([
          requestRow('req_ok', { timeMs: T0 + 1 }),
          requestRow('req_cut', { timeMs: T0 + 2, stream: true, errorCode: 'upstream_stream_error' }),
          requestRow('req_503', {
            timeMs: T0 + 3,
            status: 503,
            errorCode: 'upstream_error',
            provider: 'backup',
          }),
          requestRow('req_429', {
            timeMs: T0 + 4,
            status: 429,
            errorCode: 'rate_limit_exceeded',
            provider: null,
          }),
        ]);
        const ids = async (filter: Parameters<Store['queryRequests']>[0]) =>
          (await store.queryRequests(filter)).map((row) => row.requestId);
        expect(await ids({ limit: 10, status: { failed: true } })).toEqual(['req_429', 'req_503', 'req_cut']);
        expect(await ids({ limit: 10, status: { failed: true }, provider: 'backup' })).toEqual(['req_503']);
        expect(await ids({ limit: 10, status: { from: 200, to: 300 } })).toEqual(['req_cut', 'req_ok']);
      });

      // Observability audit item 9: paging by time alone skipped the rows sharing the last row's
      // millisecond; the cursor (time, request id) pages through ties.
      it('pages through rows that share a millisecond with the (time, request id) cursor', async () => {
        const rows = [
          requestRow('req_a', { timeMs: T0 + 5 }),
          requestRow('req_d', { timeMs: T0 + 7 }),
          requestRow('req_b', { timeMs: T0 + 7 }),
          requestRow('req_e', { timeMs: T0 + 7 }),
          requestRow('req_c', { timeMs: T0 + 7 }),
          requestRow('req_f', { timeMs: T0 + 9 }),
        ];
        await store.insertRequests(rows);
        const all = (await store.queryRequests({ limit: 10 })).map((row) => row.requestId);
        expect(all).toEqual(['req_f', 'req_e', 'req_d', 'req_c', 'req_b', 'req_a']);
        const seen: string[] = [];
        let page = await store.queryRequests({ limit: 2 });
        while (page.length > 0) {
          seen.push(...page.map((row) => row.requestId));
          const last = page.at(-1) as (typeof page)[number];
          page = await store.queryRequests({ limit: 2, beforeMs: last.timeMs, beforeId: last.requestId });
        }
        expect(seen).toEqual(all);
        // `before` alone keeps its documented meaning: strictly older.
        expect(
          (await store.queryRequests({ limit: 10, beforeMs: T0 + 7 })).map((row) => row.requestId),
        ).toEqual(['req_a']);
        // Filters combine with the cursor.
        expect(
          (await store.queryRequests({ limit: 10, tenant: 'acme', beforeMs: T0 + 7, beforeId: 'req_c' })).map(
            (row) => row.requestId,
          ),
        ).toEqual(['req_b', 'req_a']);
      });

      it('stores a batch of any length whole, each row with its own values', async () => {
        // 23 rows: SQLite writes them ten to a statement, then the three left one by one.
        const rows = Array.from({ length: 23 }, (_, i) =>
          requestRow(`req_${String(i).padStart(2, '0')}`, {
            timeMs: T0 + i,
            promptTokens: i,
            costUsd: i / 100,
            stream: i % 2 === 0,
            tenant: i % 3 === 0 ? null : `tenant-${i}`,
          }),
        );
        await store.insertRequests(rows);
        expect(await store.queryRequests({ limit: 50 })).toEqual([...rows].reverse());
      });

      it('adds every batch into the rollups of each granularity, attempts by provider and outcome', async () => {
        const fallback = requestRow('req_fallback', {
          timeMs: T0 + 15_000,
          provider: 'anthropic',
          attempts: 2,
          latencyTotalMs: 700,
          costUsd: 0.25,
          detail: {
            routing: null,
            guardrails: null,
            error_message: null,
            attempts: [
              {
                ...requestRow('x').detail.attempts[0],
                outcome: 'server',
                status: 503,
                duration_ms: 30,
              } as never,
              {
                ...requestRow('x').detail.attempts[0],
                provider: 'anthropic',
                duration_ms: 600,
              } as never,
            ],
          },
        });
        await store.insertRequests([requestRow('req_a', { costUsd: 0.5 }), fallback]);
        await store.insertRequests([
          requestRow('req_b', { timeMs: T0 + 1000, cache: 'HIT', costUsd: 0, cacheSavedUsd: 0.125 }),
        ]);

        const tenSeconds = await store.requestRollups({ bucketMs: 10_000, fromMs: T0, toMs: T0 + 60_000 });
        expect(
          tenSeconds.requests.map((r) => [
            r.bucketStart - T0,
            r.provider,
            r.statusClass,
            r.requests,
            r.costUsd,
          ]),
        ).toEqual(
          expect.arrayContaining([
            [0, 'openai', '2xx', 2, 0.5],
            [10_000, 'anthropic', '2xx', 1, 0.25],
          ]),
        );
        const openai = tenSeconds.requests.find((r) => r.provider === 'openai');
        // A hit's tokens are the original answer's, spent by no provider now: only req_a's count.
        expect(openai).toMatchObject({
          model: 'chat',
          promptTokens: 12,
          completionTokens: 30,
          cachedTokens: 2,
          reasoningTokens: 5,
          cacheHits: 1,
          cacheSavedUsd: 0.125,
          latencySumMs: 241,
        });
        // 120.5 ms twice: the 250 ms bucket (index 2).
        expect(openai?.latency).toEqual([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);

        const hour = await store.requestRollups({ bucketMs: 3_600_000, fromMs: T0, toMs: T0 + 3_600_000 });
        expect(hour.requests.reduce((sum, r) => sum + r.requests, 0)).toBe(3);
        expect(
          hour.attempts
            .map((a) => [a.provider, a.outcome, a.attempts])
            .sort((a, b) => String(a).localeCompare(String(b))),
        ).toEqual([
          ['anthropic', 'ok', 1],
          ['openai', 'ok', 2],
          ['openai', 'server', 1],
        ]);
        expect(
          (await store.requestRollups({ bucketMs: 60_000, fromMs: T0 + 60_000, toMs: T0 + 120_000 }))
            .requests,
        ).toEqual([]);
      });

      // Observability audit items 4, 6 and 8: the keys the request record chooses reach the rollups (on
      // SQLite files through the log thread's wire), and a 2xx that ended in an error is no 2xx.
      it('rolls a row up under its rollup provider, rollup model and stream_error class', async () => {
        await store.insertRequests([
          requestRow('req_hit', { cache: 'HIT', costUsd: 0, rollupProvider: 'cache' }),
          requestRow('req_junk', {
            model: 'junk-1',
            rollupModel: '(other)',
            status: 404,
            provider: null,
            rollupProvider: 'none',
            errorCode: 'model_not_found',
          }),
          requestRow('req_cut', { stream: true, errorCode: 'upstream_stream_error' }),
        ]);
        const minutes = await store.requestRollups({ bucketMs: 60_000, fromMs: T0, toMs: T0 + 60_000 });
        expect(
          minutes.requests
            .map((r) => [r.provider, r.model, r.statusClass, r.requests, r.promptTokens])
            .sort((a, b) => String(a).localeCompare(String(b))),
        ).toEqual([
          ['cache', 'chat', '2xx', 1, 0],
          ['none', '(other)', '4xx', 1, 12],
          ['openai', 'chat', 'stream_error', 1, 12],
        ]);
        // The row keeps the name as asked.
        expect((await store.queryRequests({ limit: 10 })).map((row) => row.model).sort()).toEqual([
          'chat',
          'chat',
          'junk-1',
        ]);
      });

      // Embeddings/dashboard audit item 5: an unpriced request rolled up as $0, unknown cost shown as zero.
      it('counts unpriced requests apart from the known cost, across batches', async () => {
        await store.insertRequests([
          requestRow('req_priced', { costUsd: 0.5 }),
          requestRow('req_unpriced_1', { costUsd: null }),
        ]);
        await store.insertRequests([
          requestRow('req_unpriced_2', { timeMs: T0 + 1000, costUsd: null }),
          // No tokens spent (refused before any upstream answered): no cost to know, not unpriced.
          requestRow('req_refused', {
            timeMs: T0 + 2000,
            costUsd: null,
            promptTokens: 0,
            completionTokens: 0,
            cachedTokens: 0,
            reasoningTokens: 0,
          }),
        ]);
        const minutes = await store.requestRollups({ bucketMs: 60_000, fromMs: T0, toMs: T0 + 60_000 });
        expect(minutes.requests.map((r) => [r.provider, r.requests, r.costUsd, r.unpricedRequests])).toEqual([
          ['openai', 4, 0.5, 2],
        ]);
      });

      it('prunes log rows and rollups older than their cutoffs', async () => {
        await store.insertRequests([
          requestRow('req_old', { timeMs: T0 }),
          requestRow('req_new', { timeMs: T0 + 2 * HOUR }),
        ]);
        const deleted = await store.pruneRequests({
          logBeforeMs: T0 + HOUR,
          rollupBeforeMs: { 10000: T0 + HOUR, 60000: T0 + HOUR, 3600000: T0 },
        });
        expect(deleted).toBe(1);
        expect((await store.queryRequests({ limit: 10 })).map((row) => row.requestId)).toEqual(['req_new']);
        const minutes = await store.requestRollups({ bucketMs: 60_000, fromMs: 0, toMs: T0 + 3 * HOUR });
        expect(minutes.requests.map((r) => r.bucketStart)).toEqual([T0 + 2 * HOUR]);
        const hours = await store.requestRollups({ bucketMs: 3_600_000, fromMs: 0, toMs: T0 + 3 * HOUR });
        expect(hours.requests.map((r) => r.bucketStart)).toEqual([T0, T0 + 2 * HOUR]);
      });
    });

    it.skipIf(skipped('reopen'))('keeps everything when the store is closed and opened again', async () => {
      if (subject.reopen === undefined) throw new Error('the factory gave no reopen; list "reopen" in skip');
      await store.insertKey(keyRecord('key_kept', { models: ['m'] }));
      await store.revokeKey('key_kept', H0 + 1);
      await store.upsertTenant(tenantRecord('kept', { settings: { rpm: 1 } }));
      await store.addSpend([spend('kept', 0, 1.5, 2)]);
      await store.upsertPrices([price('kept-model')]);
      expect(await store.claimAlert('c', 'p', H0)).toBe(true);
      const { cursor } = await store.keysChangedSince(0);
      await store.close();

      store = await subject.reopen();
      expect(await store.getKey('key_kept')).toEqual(
        keyRecord('key_kept', { models: ['m'], revokedAt: H0 + 1 }),
      );
      expect(await store.listTenants()).toEqual([tenantRecord('kept', { settings: { rpm: 1 } })]);
      expect(await store.spendByHour({ fromMs: H0, toMs: H0 + HOUR })).toEqual([spend('kept', 0, 1.5, 2)]);
      expect(await store.listPrices()).toEqual([price('kept-model')]);
      expect(await store.claimAlert('c', 'p', H0)).toBe(false);
      expect(await store.keysChangedSince(cursor)).toEqual({ cursor, keys: [] });
      await store.insertKey(keyRecord('key_after'));
      const after = await store.keysChangedSince(cursor);
      expect(after.keys.map((key) => key.id)).toEqual(['key_after']);
      expect(after.cursor).toBeGreaterThan(cursor);
    });
  });
}
