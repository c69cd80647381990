/**
 * The spend writer: coalescing, flushing by size and by time, the bounded queue, retries and close.
 * Timers are a ManualScheduler, so nothing here sleeps; the last case runs real timers against a real
 * SQLite store and polls.
 */
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { RequestRow } from '../../src/store/request-log.ts';
import type { SpendEntry } from '../../src/store/types.ts';
import { StoreWriter, type StoreWriterOptions } from '../../src/store/writer.ts';
import { ManualScheduler, settle } from './manual-scheduler.ts';
import { requestRow } from './request-rows.ts';

const HOUR = 3_600_000;
const H0 = Date.UTC(2026, 11, 7, 0);

function spend(tenant: string, hour: number, usd: number, requests = 1): SpendEntry {
  return { tenant, hourStart: H0 + hour * HOUR, usd, requests };
}

/** A store that records each batch and fails while `failing` is above 0 (one failure per call). */
class RecordingStore {
  batches: SpendEntry[][] = [];
  failing = 0;
  calls = 0;

  async addSpend(entries: readonly SpendEntry[]): Promise<void> {
    this.calls += 1;
    if (this.failing > 0) {
      this.failing -= 1;
      throw new Error('store unreachable');
    }
    this.batches.push(entries.map((entry) => ({ ...entry })));
  }

  requestBatches: RequestRow[][] = [];
  /** While set, request-log writes hang until it resolves (a stalled store). */
  stall: Promise<void> | undefined;

  async insertRequests(rows: readonly RequestRow[]): Promise<void> {
    if (this.stall !== undefined) await this.stall;
    this.requestBatches.push([...rows]);
  }

  /** Every written row summed per tenant and hour. */
  totals(): Map<string, { usd: number; requests: number }> {
    const totals = new Map<string, { usd: number; requests: number }>();
    for (const entry of this.batches.flat()) {
      const key = `${entry.tenant}@${(entry.hourStart - H0) / HOUR}`;
      const total = totals.get(key) ?? { usd: 0, requests: 0 };
      total.usd += entry.usd;
      total.requests += entry.requests;
      totals.set(key, total);
    }
    return totals;
  }
}

function setup(options: StoreWriterOptions = {}) {
  const store = new RecordingStore();
  const scheduler = new ManualScheduler();
  const drops: Array<[string, number, string]> = [];
  const errors: number[] = [];
  const invalid: string[] = [];
  const writer = new StoreWriter(store, {
    scheduler,
    random: () => 0,
    retry: { baseMs: 200, maxMs: 1_000 },
    onDrop: (queue, count, reason) => drops.push([queue, count, reason]),
    onWriteError: (_queue, _error, retry) => errors.push(retry),
    onInvalid: (_queue, problem) => invalid.push(problem),
    ...options,
  });
  return { store, scheduler, writer, drops, errors, invalid };
}

describe('StoreWriter', () => {
  it('coalesces entries of one tenant and hour in memory and writes them as one row', async () => {
    const { store, scheduler, writer } = setup();
    const first = spend('acme', 0, 0.5);
    writer.enqueueSpend(first);
    writer.enqueueSpend(spend('acme', 0, 0.25, 2));
    writer.enqueueSpend(spend('beta', 0, 1));
    writer.enqueueSpend(spend('acme', 1, 3));
    expect(writer.queued).toBe(3);
    expect(first).toEqual(spend('acme', 0, 0.5)); // the caller's object is never merged into

    await scheduler.advance(500);
    expect(store.batches).toEqual([[spend('acme', 0, 0.75, 3), spend('beta', 0, 1), spend('acme', 1, 3)]]);
    expect(writer.queued).toBe(0);
  });

  it('returns at once and writes nothing until the flush interval has passed', async () => {
    const { store, scheduler, writer } = setup({ flushIntervalMs: 500 });
    expect(writer.enqueueSpend(spend('acme', 0, 1))).toBe(true);
    await settle();
    expect(store.calls).toBe(0);
    await scheduler.advance(499);
    expect(store.calls).toBe(0);
    await scheduler.advance(1);
    expect(store.batches).toEqual([[spend('acme', 0, 1)]]);
    // An idle writer keeps no timer armed.
    expect(scheduler.armed).toEqual([]);
  });

  it('writes as soon as maxBatch entries wait, in batches of at most maxBatch', async () => {
    const { store, scheduler, writer } = setup({ maxBatch: 3 });
    for (let i = 0; i < 7; i++) writer.enqueueSpend(spend(`t${i}`, 0, 1));
    await settle();
    expect(store.calls).toBe(0); // never inside enqueue: the request path does no store I/O
    await scheduler.advance(0);
    expect(store.batches.map((batch) => batch.length)).toEqual([3, 3]);
    await scheduler.advance(499);
    expect(store.batches).toHaveLength(2);
    await scheduler.advance(1);
    expect(store.batches.map((batch) => batch.length)).toEqual([3, 3, 1]);
  });

  it('drops and counts new entries when the queue is full, but still merges into waiting ones', async () => {
    const { store, scheduler, writer, drops } = setup({ maxQueued: 2 });
    expect(writer.enqueueSpend(spend('a', 0, 1))).toBe(true);
    expect(writer.enqueueSpend(spend('b', 0, 1))).toBe(true);
    expect(writer.enqueueSpend(spend('c', 0, 1))).toBe(false);
    expect(writer.enqueueSpend(spend('a', 0, 2))).toBe(true);
    expect(writer.dropped).toBe(1);
    expect(drops).toEqual([['spend', 1, 'queue_full']]);
    await scheduler.advance(500);
    expect(store.batches).toEqual([[spend('a', 0, 3, 2), spend('b', 0, 1)]]);
    expect(writer.enqueueSpend(spend('c', 0, 1))).toBe(true);
  });

  it('drops malformed entries at the door, saying why', async () => {
    const { store, scheduler, writer, drops, invalid } = setup();
    expect(writer.enqueueSpend({ tenant: 'acme', hourStart: H0, usd: Number.NaN, requests: 1 })).toBe(false);
    expect(writer.enqueueSpend({ tenant: 'acme', hourStart: H0 + 1, usd: 1, requests: 1 })).toBe(false);
    expect(writer.enqueueSpend({ tenant: '', hourStart: H0, usd: 1, requests: 1 })).toBe(false);
    expect(writer.enqueueSpend(spend('acme', 0, 1))).toBe(true);
    expect(drops).toEqual([
      ['spend', 1, 'invalid'],
      ['spend', 1, 'invalid'],
      ['spend', 1, 'invalid'],
    ]);
    expect(invalid).toEqual([
      expect.stringContaining('usd'),
      expect.stringContaining('hourStart'),
      expect.stringContaining('tenant'),
    ]);
    await scheduler.advance(500);
    expect(store.batches).toEqual([[spend('acme', 0, 1)]]);
  });

  it('keeps a failed batch, retries it with growing backoff, and loses or doubles nothing', async () => {
    const { store, scheduler, writer, errors } = setup();
    store.failing = 2;
    writer.enqueueSpend(spend('acme', 0, 1));
    writer.enqueueSpend(spend('beta', 0, 2));
    await scheduler.advance(500);
    expect(errors).toEqual([1]);
    expect(writer.queued).toBe(2);
    // Entries arriving during the outage merge with the kept ones.
    writer.enqueueSpend(spend('acme', 0, 0.5));
    writer.enqueueSpend(spend('gamma', 0, 4));
    // random() = 0: half the exponential delay, 100 ms then 200 ms.
    expect(scheduler.armed).toEqual([{ inMs: 100, keepAlive: false }]);
    await scheduler.advance(100);
    expect(errors).toEqual([1, 2]);
    expect(scheduler.armed).toEqual([{ inMs: 200, keepAlive: false }]);
    await scheduler.advance(199);
    expect(store.batches).toEqual([]);
    await scheduler.advance(1);
    expect(store.totals()).toEqual(
      new Map([
        ['acme@0', { usd: 1.5, requests: 2 }],
        ['beta@0', { usd: 2, requests: 1 }],
        ['gamma@0', { usd: 4, requests: 1 }],
      ]),
    );
    expect(writer.queued).toBe(0);
    expect(writer.dropped).toBe(0);
  });

  it('counts kept entries against the bound while the store is away', async () => {
    const { store, scheduler, writer, drops } = setup({ maxQueued: 2 });
    store.failing = 1;
    writer.enqueueSpend(spend('a', 0, 1));
    writer.enqueueSpend(spend('b', 0, 1));
    await scheduler.advance(500);
    expect(writer.queued).toBe(2);
    expect(writer.enqueueSpend(spend('c', 0, 1))).toBe(false);
    expect(drops).toEqual([['spend', 1, 'queue_full']]);
  });

  it('flush() writes what waits without waiting for the timer, and rejects when the store fails', async () => {
    const { store, writer } = setup();
    writer.enqueueSpend(spend('acme', 0, 1));
    await writer.flush();
    expect(store.batches).toEqual([[spend('acme', 0, 1)]]);

    store.failing = 1;
    writer.enqueueSpend(spend('acme', 1, 1));
    await expect(writer.flush()).rejects.toThrow('store unreachable');
    expect(writer.queued).toBe(1);
    await writer.flush();
    expect(store.batches).toEqual([[spend('acme', 0, 1)], [spend('acme', 1, 1)]]);
  });

  it('close() writes what waits, stops, and drops later entries', async () => {
    const { store, scheduler, writer, drops } = setup({ maxBatch: 2 });
    for (let i = 0; i < 5; i++) writer.enqueueSpend(spend(`t${i}`, 0, 1));
    await writer.close();
    expect(store.batches.flat()).toHaveLength(5);
    expect(scheduler.armed).toEqual([]);
    expect(writer.enqueueSpend(spend('late', 0, 1))).toBe(false);
    expect(drops).toEqual([['spend', 1, 'closed']]);
  });

  it('close() retries a failing store a few times on timers that keep the process alive, then counts the loss', async () => {
    const { store, scheduler, writer, drops, errors } = setup({ closeAttempts: 3 });
    store.failing = Number.POSITIVE_INFINITY;
    writer.enqueueSpend(spend('a', 0, 1));
    writer.enqueueSpend(spend('b', 0, 1));
    let closed = false;
    const closing = writer.close().then(() => {
      closed = true;
    });
    await settle();
    expect(scheduler.armed).toEqual([{ inMs: 100, keepAlive: true }]);
    await scheduler.advance(100);
    expect(scheduler.armed).toEqual([{ inMs: 200, keepAlive: true }]);
    await scheduler.advance(200);
    await closing;
    expect(closed).toBe(true);
    expect(errors).toEqual([1, 2, 3]);
    expect(drops).toEqual([['spend', 2, 'unwritten_at_close']]);
    expect(writer.dropped).toBe(2);
  });

  it('close() recovers when the store comes back during the drain', async () => {
    const { store, scheduler, writer, drops } = setup({ closeAttempts: 3 });
    store.failing = 1;
    writer.enqueueSpend(spend('a', 0, 1));
    const closing = writer.close();
    await settle();
    await scheduler.advance(100);
    await closing;
    expect(store.batches).toEqual([[spend('a', 0, 1)]]);
    expect(drops).toEqual([]);
  });

  it('refuses nonsense settings at construction', () => {
    const store = new RecordingStore();
    expect(() => new StoreWriter(store, { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new StoreWriter(store, { maxQueued: 1.5 })).toThrow(RangeError);
    expect(() => new StoreWriter(store, { flushIntervalMs: Number.NaN })).toThrow(RangeError);
  });

  it('lands spend in a real SQLite store on its own timer', async () => {
    const store = await SqliteStore.open(':memory:');
    const writer = new StoreWriter(store, { flushIntervalMs: 10 });
    for (let i = 0; i < 100; i++) writer.enqueueSpend(spend('acme', i % 2, 0.01));
    const deadline = Date.now() + 5_000;
    let rows = await store.spendByHour({ tenant: 'acme', fromMs: H0, toMs: H0 + 2 * HOUR });
    while (rows.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      rows = await store.spendByHour({ tenant: 'acme', fromMs: H0, toMs: H0 + 2 * HOUR });
    }
    expect(rows.map((row) => [row.hourStart, row.requests])).toEqual([
      [H0, 50],
      [H0 + HOUR, 50],
    ]);
    expect(rows[0]?.usd).toBeCloseTo(0.5, 10);
    await writer.close();
    await store.close();
  });

  describe('request log', () => {
    it('writes rows in batches of maxBatch, in arrival order, never coalescing them', async () => {
      const { store, scheduler, writer } = setup({ requests: { maxBatch: 2 } });
      for (const id of ['r1', 'r2', 'r3']) expect(writer.enqueueRequest(requestRow(id))).toBe(true);
      expect(writer.queuedRequests).toBe(3);
      await scheduler.advance(0);
      await settle();
      await scheduler.advance(1000);
      await settle();
      expect(store.requestBatches.map((batch) => batch.map((row) => row.requestId))).toEqual([
        ['r1', 'r2'],
        ['r3'],
      ]);
      expect(writer.queuedRequests).toBe(0);
    });

    it('drops and counts rows past the bound while the store stalls, and never waits for it', async () => {
      const { store, scheduler, writer, drops } = setup({ requests: { maxQueued: 3, maxBatch: 2 } });
      let release = () => {};
      store.stall = new Promise((resolve) => {
        release = resolve;
      });
      const accepted = ['a', 'b', 'c', 'd', 'e'].map((id) => writer.enqueueRequest(requestRow(id)));
      expect(accepted).toEqual([true, true, true, false, false]);
      expect(drops).toEqual([
        ['requests', 1, 'queue_full'],
        ['requests', 1, 'queue_full'],
      ]);
      expect(writer.dropped).toBe(2);
      await scheduler.advance(0);
      await settle();
      // The first batch hangs in the store; the queue still answers at once.
      expect(writer.enqueueRequest(requestRow('f'))).toBe(false);
      release();
      store.stall = undefined;
      await settle();
      await writer.flush();
      expect(store.requestBatches.flat().map((row) => row.requestId)).toEqual(['a', 'b', 'c']);
    });

    it('refuses a malformed row before queueing it, so it cannot fail a batch forever', () => {
      const { writer, drops, invalid } = setup();
      expect(writer.enqueueRequest(requestRow('bad', { latencyTotalMs: Number.NaN }))).toBe(false);
      expect(writer.enqueueRequest(requestRow('', {}))).toBe(false);
      expect(invalid).toEqual([
        'latencyTotalMs must be a finite number >= 0, got NaN',
        'requestId must be a non-empty string',
      ]);
      expect(drops).toEqual([
        ['requests', 1, 'invalid'],
        ['requests', 1, 'invalid'],
      ]);
    });
  });
});
