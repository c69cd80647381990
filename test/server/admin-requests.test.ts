/** GET /admin/requests query parsing: filters, the `error` status, and the paging cursor. */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { requestFilterOf } from '../../src/server/admin-requests.ts';

const filterOf = (query: string) => requestFilterOf(new URLSearchParams(query));

function refusal(query: string): GatewayError {
  try {
    filterOf(query);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error(`"${query}" was accepted`);
}

describe('requestFilterOf', () => {
  it('reads each filter', () => {
    expect(filterOf('limit=5&tenant=acme&provider=openai&status=5xx')).toEqual({
      limit: 5,
      tenant: 'acme',
      provider: 'openai',
      status: { from: 500, to: 600 },
    });
    expect(filterOf('status=429').status).toEqual({ exact: 429 });
  });

  // Observability audit item 6: `error` meant status >= 400 only, so a stream that failed after its 200
  // was in no failure listing.
  it('reads status=error as every failure, a 2xx that ended in an error included', () => {
    expect(filterOf('status=error').status).toEqual({ failed: true });
  });

  // Observability audit item 9: a cursor of (time, request id), so rows sharing a millisecond are paged.
  it('reads before as ISO 8601 or epoch ms, and before_id with it', () => {
    expect(filterOf('before=2026-12-08T01:47:29.220Z')).toEqual({ limit: 100, beforeMs: 1796694449220 });
    expect(filterOf('before=1796694449220&before_id=req_5d4e')).toEqual({
      limit: 100,
      beforeMs: 1796694449220,
      beforeId: 'req_5d4e',
    });
    expect(refusal('before_id=req_5d4e').param).toBe('before_id');
    expect(refusal('before=yesterday').param).toBe('before');
  });
});
