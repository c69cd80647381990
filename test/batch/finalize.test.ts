/**
 * Finalization run twice at once for one job (the end of its intake and a cancel, say, or two instances
 * on one store): both finish, the job ends once, and its files hold every line. Two writers of one
 * derived file once shared a partial file, and the second rename failed with ENOENT (a 500 to the
 * client cancelling).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileStore } from '../../src/batch/file-store.ts';
import { finalizeIfDone } from '../../src/batch/finalize.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchJob } from '../helpers/batch-job.ts';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-finalize-'));
  store = await SqliteStore.open(':memory:');
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('finalizes a job once when two finalizations race, every line in its file', async () => {
  const batches = store.batches;
  if (batches === undefined) throw new Error('no batch tables');
  const now = Date.now();
  await batches.insertJob(
    batchJob('batch_race', { tenant: '', status: 'cancelling', inProgressAt: now, cancellingAt: now }, now),
  );
  const lines = 500;
  await batches.insertLines(
    Array.from({ length: lines }, (_, i) => ({
      jobId: 'batch_race',
      tenant: '',
      lineNo: i + 1,
      customId: `c-${i + 1}`,
      target: null,
      request: null,
      status: 'failed' as const,
      result: JSON.stringify({ id: `r-${i + 1}`, custom_id: `c-${i + 1}`, response: null, error: {} }),
      queuedAt: now,
    })),
  );
  const files = new FileStore(dir);
  const results = await Promise.all([
    finalizeIfDone('batch_race', batches, files, Date.now),
    finalizeIfDone('batch_race', batches, files, Date.now),
  ]);
  // The job's last step is a compare-and-set: exactly one of the two ends it.
  expect(results.filter(Boolean)).toHaveLength(1);
  const job = await batches.getJob('batch_race');
  expect(job?.status).toBe('cancelled');
  const text = await readFile(join(dir, `${job?.errorFileId}.jsonl`), 'utf8');
  expect(text.trim().split('\n')).toHaveLength(lines);
});
