/**
 * Pure builders and parsers for OpenAI's Files + Batch API (docs/providers.md §1.12). The batch
 * aggregator (src/batch/) does the I/O; each input line's body comes from the adapter's own request
 * translation (`toRequest`), so a batch line is exactly what the live path would have sent.
 */
import type { AdapterCall, UpstreamRequest } from '../types.ts';

/** One JSONL line of an input file. `body` is the JSON text the adapter built. */
export function openAIBatchInputLine(customId: string, body: string): string {
  return `{"custom_id":${JSON.stringify(customId)},"method":"POST","url":"/v1/chat/completions","body":${body}}\n`;
}

/** POST /files (multipart, purpose=batch) carrying the JSONL text. */
export function openAIFileUploadRequest(
  call: AdapterCall,
  jsonl: string,
  boundary: string,
  filename: string,
): UpstreamRequest {
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    `Content-Type: application/jsonl\r\n\r\n${jsonl}\r\n--${boundary}--\r\n`;
  return {
    method: 'POST',
    path: `${call.target.basePath}/files`,
    headers: { ...call.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  };
}

/** POST /batches for an uploaded file; `metadata` finds the batch again after a crash. */
export function openAIBatchCreateRequest(
  call: AdapterCall,
  fileId: string,
  metadata: Record<string, string>,
): UpstreamRequest {
  return {
    method: 'POST',
    path: `${call.target.basePath}/batches`,
    headers: { ...call.headers },
    body: JSON.stringify({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata,
    }),
  };
}

export function openAIBatchGetRequest(call: AdapterCall, batchId: string): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/batches/${encodeURIComponent(batchId)}`,
    headers: { ...call.headers },
    body: undefined,
  };
}

export function openAIBatchListRequest(call: AdapterCall, after: string | undefined): UpstreamRequest {
  const query = after === undefined ? 'limit=100' : `limit=100&after=${encodeURIComponent(after)}`;
  return {
    method: 'GET',
    path: `${call.target.basePath}/batches?${query}`,
    headers: { ...call.headers },
    body: undefined,
  };
}

export function openAIFileContentRequest(call: AdapterCall, fileId: string): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/files/${encodeURIComponent(fileId)}/content`,
    headers: { ...call.headers },
    body: undefined,
  };
}

export interface OpenAIBatchView {
  id: string;
  status: string;
  outputFileId: string | null;
  errorFileId: string | null;
  metadata: Record<string, unknown> | null;
}

export function parseOpenAIBatch(value: unknown): OpenAIBatchView | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const batch = value as Record<string, unknown>;
  if (typeof batch.id !== 'string' || typeof batch.status !== 'string') return undefined;
  return {
    id: batch.id,
    status: batch.status,
    outputFileId: typeof batch.output_file_id === 'string' ? batch.output_file_id : null,
    errorFileId: typeof batch.error_file_id === 'string' ? batch.error_file_id : null,
    metadata:
      batch.metadata !== null && typeof batch.metadata === 'object'
        ? (batch.metadata as Record<string, unknown>)
        : null,
  };
}

/** Final statuses: results (if any) are in the output and error files. */
export const OPENAI_BATCH_ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** One output or error file line: the HTTP answer, or the error when there was none. */
export type OpenAIOutputLine =
  | { customId: string; kind: 'response'; statusCode: number; requestId: string; body: unknown }
  | { customId: string; kind: 'error'; code: string; message: string };

export function parseOpenAIOutputLine(text: string): OpenAIOutputLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const line = value as Record<string, unknown>;
  if (typeof line.custom_id !== 'string') return undefined;
  const response = line.response as Record<string, unknown> | null | undefined;
  if (response !== null && typeof response === 'object' && typeof response.status_code === 'number')
    return {
      customId: line.custom_id,
      kind: 'response',
      statusCode: response.status_code,
      requestId: typeof response.request_id === 'string' ? response.request_id : '',
      body: response.body,
    };
  const error = (line.error ?? {}) as Record<string, unknown>;
  return {
    customId: line.custom_id,
    kind: 'error',
    code: typeof error.code === 'string' ? error.code : 'error',
    message: typeof error.message === 'string' ? error.message : 'the request got no response',
  };
}
