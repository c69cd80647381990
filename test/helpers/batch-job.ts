/** A batch job record for store-level tests: `validating`, tenant `acme`, created at `createdAt`. */
import type { BatchJobRecord } from '../../src/store/batch-types.ts';

export function batchJob(
  id: string,
  overrides: Partial<BatchJobRecord> = {},
  createdAt = Date.UTC(2026, 11, 7, 0),
): BatchJobRecord {
  return {
    id,
    tenant: 'acme',
    inputFileId: 'file-in',
    endpoint: '/v1/chat/completions',
    completionWindow: '24h',
    status: 'validating',
    metadata: null,
    outputFileId: null,
    errorFileId: null,
    errors: null,
    createdAt,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    cancellingAt: null,
    cancelledAt: null,
    expiredAt: null,
    expiresAt: createdAt + 86_400_000,
    ...overrides,
  };
}
