/**
 * Pure builders and parsers for Anthropic's Message Batches (docs/providers.md §2.11). Each request's
 * `params` is the body the adapter's `toRequest` builds for the live Messages call.
 */
import type { AdapterCall, UpstreamRequest } from '../types.ts';

export function anthropicBatchCreateRequest(
  call: AdapterCall,
  items: ReadonlyArray<{ customId: string; params: string }>,
): UpstreamRequest {
  const requests = items.map(
    (item) => `{"custom_id":${JSON.stringify(item.customId)},"params":${item.params}}`,
  );
  return {
    method: 'POST',
    path: `${call.target.basePath}/v1/messages/batches`,
    headers: { ...call.headers },
    body: `{"requests":[${requests.join(',')}]}`,
  };
}

export function anthropicBatchGetRequest(call: AdapterCall, batchId: string): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/v1/messages/batches/${encodeURIComponent(batchId)}`,
    headers: { ...call.headers },
    body: undefined,
  };
}

export function anthropicBatchListRequest(call: AdapterCall, afterId: string | undefined): UpstreamRequest {
  const query = afterId === undefined ? 'limit=100' : `limit=100&after_id=${encodeURIComponent(afterId)}`;
  return {
    method: 'GET',
    path: `${call.target.basePath}/v1/messages/batches?${query}`,
    headers: { ...call.headers },
    body: undefined,
  };
}

/** The results JSONL; `resultsUrl` is absolute, so only its path and query are used against the pool. */
export function anthropicBatchResultsRequest(call: AdapterCall, resultsUrl: string): UpstreamRequest {
  const url = new URL(resultsUrl);
  return {
    method: 'GET',
    path: `${url.pathname}${url.search}`,
    headers: { ...call.headers },
    body: undefined,
  };
}

export interface AnthropicBatchView {
  id: string;
  processingStatus: string;
  resultsUrl: string | null;
  /** Epoch ms. */
  createdAt: number;
  totalRequests: number;
}

export function parseAnthropicBatch(value: unknown): AnthropicBatchView | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const batch = value as Record<string, unknown>;
  if (typeof batch.id !== 'string' || typeof batch.processing_status !== 'string') return undefined;
  const counts = (batch.request_counts ?? {}) as Record<string, unknown>;
  let total = 0;
  for (const key of ['processing', 'succeeded', 'errored', 'canceled', 'expired']) {
    const n = counts[key];
    if (typeof n === 'number') total += n;
  }
  return {
    id: batch.id,
    processingStatus: batch.processing_status,
    resultsUrl: typeof batch.results_url === 'string' ? batch.results_url : null,
    createdAt: typeof batch.created_at === 'string' ? Date.parse(batch.created_at) : 0,
    totalRequests: total,
  };
}

export type AnthropicResultLine =
  | { customId: string; type: 'succeeded'; message: unknown }
  | { customId: string; type: 'errored'; errorType: string; message: string }
  | { customId: string; type: 'canceled' | 'expired' };

export function parseAnthropicResultLine(text: string): AnthropicResultLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const line = value as Record<string, unknown>;
  const result = line.result as Record<string, unknown> | undefined;
  if (typeof line.custom_id !== 'string' || result === undefined || result === null) return undefined;
  if (result.type === 'succeeded')
    return { customId: line.custom_id, type: 'succeeded', message: result.message };
  if (result.type === 'canceled' || result.type === 'expired')
    return { customId: line.custom_id, type: result.type };
  const outer = (result.error ?? {}) as Record<string, unknown>;
  const inner = (outer.error ?? {}) as Record<string, unknown>;
  return {
    customId: line.custom_id,
    type: 'errored',
    errorType: typeof inner.type === 'string' ? inner.type : 'api_error',
    message: typeof inner.message === 'string' ? inner.message : 'the request failed',
  };
}
