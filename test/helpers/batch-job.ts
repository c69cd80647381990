/** A batch job record for store-level tests: `validating`, tenant `acme`, created at `createdAt`. */
import { type BatchJobRecord, newBatchJob } from '../../src/store/batch-types.ts';

export function batchJob(
  id: string,
  overrides: Partial<BatchJobRecord> = {},
  createdAt = Date.UTC(2026, 11, 7, 0),
): BatchJobRecord {
  return {
    ...newBatchJob({
      id,
      tenant: 'acme',
      keyId: null,
      inputFileId: 'file-in',
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata: null,
      createdAt,
      expiresAt: createdAt + 86_400_000,
    }),
    ...overrides,
  };
}
