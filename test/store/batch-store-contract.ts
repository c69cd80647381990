/**
 * The contract of the Batch API's tables (src/store/batch-types.ts), run by sqlite.test.ts on every
 * store that holds batches. Each case gets a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BatchJobRecord,
  BatchStore,
  NewBatchLine,
  ProviderBatchRecord,
} from '../../src/store/batch-types.ts';
import type { Store } from '../../src/store/types.ts';
import { batchJob } from '../helpers/batch-job.ts';

const T0 = Date.UTC(2026, 11, 7, 0);

function job(id: string, overrides: Partial<BatchJobRecord> = {}): BatchJobRecord {
  return batchJob(id, overrides, T0);
}

function lines(
  jobId: string,
  count: number,
  target = 'openai/gpt-4.1',
  from = 1,
  queuedAt = T0,
): NewBatchLine[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId,
    tenant: 'acme',
    lineNo: from + i,
    customId: `c-${from + i}`,
    target,
    request: '{"model":"smart","messages":[]}',
    status: 'queued' as const,
    result: null,
    queuedAt: queuedAt + i,
  }));
}

function providerBatch(id: string, target = 'openai/gpt-4.1'): ProviderBatchRecord {
  return {
    id,
    target,
    status: 'preparing',
    upstreamId: null,
    lineCount: 0,
    createdAt: T0,
    nextPollAt: T0,
    polls: 0,
  };
}

export function batchStoreContract(name: string, factory: () => Promise<Store>): void {
  describe(`BatchStore contract: ${name}`, () => {
    let store: Store;
    let batches: BatchStore;

    beforeEach(async () => {
      store = await factory();
      if (store.batches === undefined) throw new Error(`${name} holds no batches`);
      batches = store.batches;
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores files and replaces a generated one', async () => {
      const file = {
        id: 'file-a',
        tenant: 'acme',
        purpose: 'batch',
        filename: 'in.jsonl',
        bytes: 10,
        lines: 2,
        createdAt: T0,
      };
      await batches.insertFile(file);
      expect(await batches.getFile('file-a')).toEqual(file);
      expect(await batches.getFile('file-none')).toBeUndefined();
      await batches.upsertFile({ ...file, bytes: 20, lines: 3 });
      expect(await batches.getFile('file-a')).toMatchObject({ bytes: 20, lines: 3 });
    });

    it("lists a tenant's files in either order with an after cursor and a purpose, and deletes them", async () => {
      const file = (
        id: string,
        createdAt: number,
        overrides: Partial<{ tenant: string; purpose: string }> = {},
      ) => ({
        id,
        tenant: 'acme',
        purpose: 'batch',
        filename: `${id}.jsonl`,
        bytes: 10,
        lines: 1,
        createdAt,
        ...overrides,
      });
      await batches.insertFile(file('file-1', T0));
      await batches.insertFile(file('file-2', T0 + 1));
      // Same time as file-2: the id breaks the tie, so paging never skips nor repeats a file.
      await batches.insertFile(file('file-3', T0 + 1, { purpose: 'batch_output' }));
      await batches.insertFile(file('file-x', T0 + 2, { tenant: 'other' }));
      const ids = async (query: Parameters<BatchStore['listFiles']>[1], tenant = 'acme') =>
        (await batches.listFiles(tenant, query)).map((f) => f.id);
      expect(await ids({ limit: 10, order: 'desc' })).toEqual(['file-3', 'file-2', 'file-1']);
      expect(await ids({ limit: 2, order: 'asc' })).toEqual(['file-1', 'file-2']);
      expect(await ids({ limit: 10, order: 'desc', afterId: 'file-3' })).toEqual(['file-2', 'file-1']);
      expect(await ids({ limit: 10, order: 'asc', afterId: 'file-2' })).toEqual(['file-3']);
      expect(await ids({ limit: 10, order: 'desc', purpose: 'batch' })).toEqual(['file-2', 'file-1']);
      // Another tenant's file is no cursor.
      expect(await ids({ limit: 10, order: 'desc', afterId: 'file-x' })).toEqual([]);
      expect(await ids({ limit: 10, order: 'desc' }, 'other')).toEqual(['file-x']);

      await batches.insertJob(job('batch_in', { inputFileId: 'file-1' }));
      expect(await batches.fileInUse('file-1')).toBe(true);
      expect(await batches.fileInUse('file-2')).toBe(false);
      await batches.updateJob('batch_in', { status: 'in_progress' });
      expect(await batches.fileInUse('file-1')).toBe(false);
      expect(await batches.deleteFile('file-1')).toBe(true);
      expect(await batches.deleteFile('file-1')).toBe(false);
      expect(await batches.getFile('file-1')).toBeUndefined();
      expect(await ids({ limit: 10, order: 'asc' })).toEqual(['file-2', 'file-3']);
    });

    it("lists a tenant's jobs newest first with an after cursor, and compare-and-sets their status", async () => {
      await batches.insertJob(job('batch_1', { metadata: { k: 'v' } }));
      await batches.insertJob(job('batch_2'));
      await batches.insertJob(job('batch_other', { tenant: 'other' }));
      await batches.insertJob(job('batch_3', { status: 'completed' }));
      expect(await batches.getJob('batch_1')).toEqual(job('batch_1', { metadata: { k: 'v' } }));
      expect((await batches.listJobs('acme', undefined, 2)).map((j) => j.id)).toEqual(['batch_3', 'batch_2']);
      expect((await batches.listJobs('acme', 'batch_2', 10)).map((j) => j.id)).toEqual(['batch_1']);
      expect((await batches.listJobs('acme', 'batch_other', 10)).map((j) => j.id)).toEqual([]);
      expect((await batches.activeJobs()).map((j) => j.id)).toEqual(['batch_1', 'batch_2', 'batch_other']);
      expect(
        await batches.updateJob('batch_1', { status: 'in_progress', inProgressAt: T0 + 1 }, 'validating'),
      ).toBe(true);
      expect(await batches.updateJob('batch_1', { status: 'cancelling' }, 'validating')).toBe(false);
      const errors = [{ code: 'x', message: 'y', param: null, line: 3 }];
      await batches.updateJob('batch_2', { status: 'failed', errors });
      expect(await batches.getJob('batch_2')).toMatchObject({ status: 'failed', errors });
      expect(await batches.getJob('batch_1')).toMatchObject({ status: 'in_progress', inProgressAt: T0 + 1 });
    });

    it('inserts lines once per job and line number, and counts them by status', async () => {
      await batches.insertLines(lines('batch_1', 3));
      await batches.insertLines(lines('batch_1', 3));
      await batches.insertLines([
        {
          ...lines('batch_1', 1, 'openai/gpt-4.1', 4)[0]!,
          status: 'failed',
          target: null,
          request: null,
          result: '{"e":1}',
        },
      ]);
      expect(await batches.jobLineCounts('batch_1')).toEqual({
        total: 4,
        succeeded: 0,
        failed: 1,
        cancelled: 0,
        pending: 3,
      });
      expect((await batches.jobLines('batch_1', 1, 2)).map((l) => l.lineNo)).toEqual([2, 3]);
    });

    it('claims queued lines of one target oldest first into a provider batch, and settles them', async () => {
      await batches.insertLines(lines('batch_1', 5, 'openai/gpt-4.1', 1, T0 + 100));
      await batches.insertLines(lines('batch_2', 2, 'openai/gpt-4.1', 1, T0));
      await batches.insertLines(lines('batch_3', 2, 'claude/sonnet', 1, T0));
      const queued = await batches.queuedTargets();
      expect(queued.sort((a, b) => a.target.localeCompare(b.target))).toEqual([
        { target: 'claude/sonnet', lines: 2, oldestQueuedAt: T0 },
        { target: 'openai/gpt-4.1', lines: 7, oldestQueuedAt: T0 },
      ]);
      const claimed = await batches.claimLines(providerBatch('pb_1'), 4);
      // The four oldest: both of batch_2 (queued first), then the first two of batch_1.
      expect(claimed.map((l) => [l.jobId, l.lineNo, l.attempts, l.status]).sort()).toEqual([
        ['batch_1', 1, 1, 'submitted'],
        ['batch_1', 2, 1, 'submitted'],
        ['batch_2', 1, 1, 'submitted'],
        ['batch_2', 2, 1, 'submitted'],
      ]);
      expect(await batches.openProviderBatches()).toEqual([{ ...providerBatch('pb_1'), lineCount: 4 }]);
      expect(await batches.claimLines(providerBatch('pb_empty', 'nobody/none'), 10)).toEqual([]);
      expect((await batches.openProviderBatches()).map((b) => b.id)).toEqual(['pb_1']);

      await batches.updateProviderBatch('pb_1', {
        status: 'submitted',
        upstreamId: 'up_1',
        nextPollAt: T0 + 5,
        polls: 2,
      });
      // One taker per due row: the second sees a moved nextPollAt.
      expect(await batches.takeProviderBatch('pb_1', T0 + 5, T0 + 50)).toBe(true);
      expect(await batches.takeProviderBatch('pb_1', T0 + 5, T0 + 60)).toBe(false);
      expect(await batches.knownUpstreamIds('openai/gpt-4.1')).toEqual(['up_1']);
      const [first, second, third, fourth] = claimed;
      expect(
        await batches.finishLines('pb_1', [
          { lineId: first!.id, status: 'succeeded', result: '{"ok":1}', costUsd: 0.25 },
        ]),
      ).toEqual([first!.id]);
      const settled = await batches.settleProviderBatch(
        'pb_1',
        [
          { lineId: second!.id, status: 'failed', result: '{"bad":1}', costUsd: null },
          // Already finished: left as it was.
          { lineId: first!.id, status: 'failed', result: '{"again":1}', costUsd: null },
        ],
        [third!.id, fourth!.id],
        T0 + 1000,
      );
      // The line finished before is not counted again: it is ledgered once.
      expect([...settled].sort()).toEqual([second!.id, third!.id, fourth!.id].sort());
      expect(await batches.openProviderBatches()).toEqual([]);
      const [again] = await batches.getLines([first!.id]);
      expect(again).toMatchObject({ status: 'succeeded', result: '{"ok":1}', costUsd: 0.25 });
      const requeued = await batches.getLines([third!.id]);
      expect(requeued[0]).toMatchObject({ status: 'queued', providerBatchId: null, attempts: 1 });
      const reclaimed = await batches.claimLines(providerBatch('pb_2'), 100);
      expect(reclaimed.find((l) => l.id === third!.id)?.attempts).toBe(2);
      expect(await batches.linesOfProviderBatch('pb_2')).toHaveLength(reclaimed.length);
    });

    it('reads each line with the key of its job', async () => {
      await batches.insertJob(job('batch_keyed', { keyId: 'key_abc' }));
      await batches.insertJob(job('batch_plain'));
      expect(await batches.getJob('batch_keyed')).toEqual(job('batch_keyed', { keyId: 'key_abc' }));
      await batches.insertLines(lines('batch_keyed', 2));
      await batches.insertLines(lines('batch_plain', 1));
      const claimed = await batches.claimLines(providerBatch('pb_1'), 10);
      expect(claimed.map((l) => [l.jobId, l.keyId]).sort()).toEqual([
        ['batch_keyed', 'key_abc'],
        ['batch_keyed', 'key_abc'],
        ['batch_plain', null],
      ]);
      expect((await batches.jobLines('batch_keyed', 0, 10)).map((l) => l.keyId)).toEqual([
        'key_abc',
        'key_abc',
      ]);
      expect((await batches.getLines([claimed[0]!.id]))[0]?.keyId).toBe(claimed[0]!.keyId);
    });

    // Issue: batch audit #3 (lines the shared state could not budget wait for a later flush).
    it('releases unsent lines of a provider batch back to the queue without counting an attempt', async () => {
      await batches.insertLines(lines('batch_1', 3));
      const claimed = await batches.claimLines(providerBatch('pb_1'), 10);
      const [first, second, third] = claimed;
      await batches.finishLines('pb_1', [
        { lineId: third!.id, status: 'failed', result: '{"e":1}', costUsd: null },
      ]);
      // A finished line and a line of no batch of this id are left alone.
      expect(
        (await batches.releaseLines('pb_1', [first!.id, second!.id, third!.id], T0 + 500)).sort(),
      ).toEqual([first!.id, second!.id].sort());
      expect(await batches.releaseLines('pb_other', [first!.id], T0 + 600)).toEqual([]);
      expect(await batches.getLines([first!.id])).toEqual([
        expect.objectContaining({ status: 'queued', providerBatchId: null, attempts: 0 }),
      ]);
      expect(await batches.linesOfProviderBatch('pb_1')).toEqual([]);
      expect(await batches.queuedTargets()).toEqual([
        { target: 'openai/gpt-4.1', lines: 2, oldestQueuedAt: T0 + 500 },
      ]);
      // Claimed again, it is on its first attempt.
      const again = await batches.claimLines(providerBatch('pb_2'), 10);
      expect(again.map((l) => l.attempts)).toEqual([1, 1]);
    });

    // Issue: batch audit #4 (recovery matches an Anthropic batch by the requests sent).
    it('records the number of requests a provider batch was sent with', async () => {
      await batches.insertLines(lines('batch_1', 3));
      await batches.claimLines(providerBatch('pb_1'), 10);
      await batches.updateProviderBatch('pb_1', { lineCount: 2 });
      expect(await batches.openProviderBatches()).toEqual([{ ...providerBatch('pb_1'), lineCount: 2 }]);
    });

    it("cancels a job's queued lines only", async () => {
      await batches.insertLines(lines('batch_1', 3));
      await batches.claimLines(providerBatch('pb_1'), 1);
      expect(await batches.cancelQueuedLines('batch_1', (line) => `{"cancelled":"${line.customId}"}`)).toBe(
        2,
      );
      expect(await batches.jobLineCounts('batch_1')).toMatchObject({ cancelled: 2, pending: 1 });
      expect((await batches.jobLines('batch_1', 0, 10)).map((l) => l.result)).toEqual([
        null,
        '{"cancelled":"c-2"}',
        '{"cancelled":"c-3"}',
      ]);
    });
  });
}
