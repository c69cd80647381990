/**
 * OpenAI's Batch API objects as the SDK reads them (docs/providers.md §1.12): File, Batch, and the
 * output file's line (`BatchRequestOutput`). Times are Unix seconds on the wire, epoch ms in the store.
 */
import { randomBytes } from 'node:crypto';
import type { BatchFileRecord, BatchJobRecord, JobLineCounts } from '../store/batch-types.ts';

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

export function fileObject(file: BatchFileRecord): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: seconds(file.createdAt),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}

export function batchObject(job: BatchJobRecord, counts: JobLineCounts): Record<string, unknown> {
  return {
    id: job.id,
    object: 'batch',
    endpoint: job.endpoint,
    errors: job.errors === null ? null : { object: 'list', data: job.errors },
    input_file_id: job.inputFileId,
    completion_window: job.completionWindow,
    status: job.status,
    output_file_id: job.outputFileId,
    error_file_id: job.errorFileId,
    created_at: seconds(job.createdAt),
    in_progress_at: seconds(job.inProgressAt),
    expires_at: seconds(job.expiresAt),
    finalizing_at: seconds(job.finalizingAt),
    completed_at: seconds(job.completedAt),
    failed_at: seconds(job.failedAt),
    expired_at: seconds(job.expiredAt),
    cancelling_at: seconds(job.cancellingAt),
    cancelled_at: seconds(job.cancelledAt),
    // OpenAI counts a cancelled request as neither completed nor failed until the batch ends, then failed.
    request_counts: {
      total: counts.total,
      completed: counts.succeeded,
      failed: counts.failed + counts.cancelled,
    },
    metadata: job.metadata,
  };
}

export function newBatchRequestId(): string {
  return `batch_req_${randomBytes(12).toString('hex')}`;
}

/** An output line with an HTTP response (a 200 with the completion, or the error the request got). */
export function responseLine(customId: string, statusCode: number, requestId: string, body: string): string {
  return `{"id":${JSON.stringify(newBatchRequestId())},"custom_id":${JSON.stringify(customId)},"response":{"status_code":${statusCode},"request_id":${JSON.stringify(requestId)},"body":${body}},"error":null}`;
}

/** An output line for a request that got no HTTP response (malformed, expired, cancelled). */
export function errorLine(customId: string | null, code: string, message: string): string {
  return JSON.stringify({
    id: newBatchRequestId(),
    custom_id: customId,
    response: null,
    error: { code, message },
  });
}

/** OpenAI's error envelope as a response body. */
export function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}
