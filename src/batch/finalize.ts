/**
 * A job whose every line is finished gets its output file (the 2xx answers) and error file (everything
 * else), written by paging through its lines, never the whole job in memory. File ids are derived
 * from the job id, so a finalization cut short by a crash is simply done again over the same files.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { BatchJobRecord, BatchLineRecord, BatchStore } from '../store/batch-types.ts';
import type { FileStore } from './file-store.ts';
import { backgroundTurn } from '../server/background-turn.ts';

/** Lines read and written per slice (server/background-turn.ts): about half a millisecond of work. */
const PAGE_LINES = 200;

function derivedFileId(jobId: string, kind: 'output' | 'error'): string {
  return `file-${createHash('sha256').update(`${jobId}:${kind}`).digest('hex').slice(0, 24)}`;
}

/** True when the job was finalized by this call. */
export async function finalizeIfDone(
  jobId: string,
  store: BatchStore,
  files: FileStore,
  now: () => number,
): Promise<boolean> {
  const job = await store.getJob(jobId);
  if (job === undefined) return false;
  if (job.status !== 'in_progress' && job.status !== 'cancelling' && job.status !== 'finalizing')
    return false;
  const counts = await store.jobLineCounts(jobId);
  if (counts.pending > 0) return false;
  const cancelling = job.status === 'cancelling';
  if (
    job.status === 'in_progress' &&
    !(await store.updateJob(jobId, { status: 'finalizing', finalizingAt: now() }, 'in_progress'))
  )
    return false;
  const output = await writeLines(job, store, files, 'output', (line) => line.status === 'succeeded', now);
  const errors = await writeLines(job, store, files, 'error', (line) => line.status !== 'succeeded', now);
  const finishedAt = now();
  // Past its 24 h window a job is `expired`: what finished is in the output file, the rest in the error file.
  const patch: Partial<BatchJobRecord> = cancelling
    ? { status: 'cancelled', cancelledAt: finishedAt }
    : finishedAt >= job.expiresAt
      ? { status: 'expired', expiredAt: finishedAt }
      : { status: 'completed', completedAt: finishedAt };
  return store.updateJob(
    jobId,
    { ...patch, outputFileId: output, errorFileId: errors },
    cancelling ? 'cancelling' : 'finalizing',
  );
}

async function writeLines(
  job: BatchJobRecord,
  store: BatchStore,
  files: FileStore,
  kind: 'output' | 'error',
  include: (line: BatchLineRecord) => boolean,
  now: () => number,
): Promise<string | null> {
  const id = derivedFileId(job.id, kind);
  const file = await files.create(id);
  let bytes = 0;
  let count = 0;
  try {
    let after = 0;
    for (;;) {
      const page = await store.jobLines(job.id, after, PAGE_LINES);
      if (page.length === 0) break;
      for (const line of page) {
        if (!include(line) || line.result === null) continue;
        const text = `${line.result}\n`;
        bytes += Buffer.byteLength(text);
        count++;
        if (!file.stream.write(text)) await once(file.stream, 'drain');
      }
      after = page.at(-1)?.lineNo ?? after;
      // The store answers synchronously (SQLite): live requests go first between pages.
      await backgroundTurn();
    }
  } catch (error) {
    await file.discard();
    throw error;
  }
  if (count === 0) {
    await file.discard();
    return null;
  }
  await file.commit();
  await store.upsertFile({
    id,
    tenant: job.tenant,
    purpose: 'batch_output',
    filename: `${job.id}_${kind}.jsonl`,
    bytes,
    lines: count,
    createdAt: now(),
  });
  return id;
}
