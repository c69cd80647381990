/**
 * DashScope compatible-mode error responses (docs/providers.md §6.5): OpenAI's envelope plus a top-level
 * `id` and `request_id`, as quoted in client issues
 * (`{"error":{"code":"data_inspection_failed","param":null,"message":"…","type":"data_inspection_failed"},"id":"chatcmpl-…","request_id":"…"}`).
 * `code` holds DashScope's snake_case code; moderation and throttling put the same word in `type`.
 */
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { sseFrame } from '../shared/sse-writer.ts';

export interface QwenErrorBody {
  error: { code: string; param: string | null; message: string; type: string };
  id?: string;
  request_id: string;
}

export interface QwenErrorResponse {
  status: number;
  body: QwenErrorBody;
  headers?: Record<string, string>;
}

export function qwenError(
  status: number,
  code: string,
  message: string,
  type = code,
  requestId = '00000000-0000-0000-0000-000000000000',
): QwenErrorResponse {
  return { status, body: { error: { code, param: null, message, type }, request_id: requestId } };
}

export function invalidParameter(message: string, requestId?: string): QwenErrorResponse {
  return qwenError(400, 'invalid_parameter_error', message, 'invalid_request_error', requestId);
}

const STATUS_DEFAULTS: Record<number, { code: string; message: string; type: string }> = {
  400: { code: 'invalid_parameter_error', message: 'The request is invalid.', type: 'invalid_request_error' },
  401: { code: 'invalid_api_key', message: 'Incorrect API key provided. ', type: 'invalid_request_error' },
  403: { code: 'AccessDenied', message: 'Access denied.', type: 'AccessDenied' },
  404: {
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
  },
  429: {
    code: 'limit_requests',
    message: 'You exceeded your current requests list.',
    type: 'limit_requests',
  },
  500: {
    code: 'internal_error',
    message: 'An internal error has occured, please try again later or contact service support.',
    type: 'internal_error',
  },
  503: {
    code: 'ServiceUnavailable',
    message: 'The service is temporarily unavailable, please try again later.',
    type: 'ServiceUnavailable',
  },
};

export const errorForStatus: ProviderErrorFactory = (status) => {
  const known = STATUS_DEFAULTS[status] ?? {
    code: status >= 500 ? 'internal_error' : 'invalid_parameter_error',
    message: `Request failed with status ${status}.`,
    type: status >= 500 ? 'internal_error' : 'invalid_request_error',
  };
  return { body: qwenError(status, known.code, known.message, known.type).body };
};

/** Mid-stream failure: `data: {"error":{…},"request_id":…}`, then the stream ends. */
export function inBandStreamError(status: number): string[] {
  return [sseFrame(errorForStatus(status).body)];
}
