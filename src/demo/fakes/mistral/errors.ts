/**
 * Mistral's error responses (docs/providers.md §4.4). Not OpenAI's envelope: the fields sit at the top
 * level with `"object":"error"`; request validation (FastAPI) puts the `detail[]` list inside
 * `message` with status 422; the gateway in front of the API answers a bad key with a bare
 * `{"message":"Unauthorized","request_id":…}`.
 *
 *   mistralError(status, message, { type?, code?, headers? })
 *   validationError(detail[])                422, `message: {detail: [...]}`
 *   extraForbidden(loc, input) / missingField(loc, input) / wrongType(loc, type, msg, input)
 *   unauthorized(requestId)                  401 gateway body
 *   errorForStatus(status, retryAfterSeconds?)   the default body for a status fault
 *   inBandStreamError(status)                the error record sent when a stream fails mid-way
 */
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { sseFrame } from '../shared/sse-writer.ts';

export interface MistralErrorBody {
  object: 'error';
  message: string | { detail: ValidationDetail[] };
  type: string;
  param: string | null;
  code: string | null;
}

/** One FastAPI/pydantic validation issue, the shape the SDK's HTTPValidationError reads. */
export interface ValidationDetail {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

export interface MistralErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function mistralError(
  status: number,
  message: string,
  fields: { type?: string; code?: string | null; headers?: Record<string, string> } = {},
): MistralErrorResponse {
  const body: MistralErrorBody = {
    object: 'error',
    message,
    type: fields.type ?? 'invalid_request_error',
    param: null,
    code: fields.code ?? null,
  };
  return { status, body, headers: fields.headers };
}

export function validationError(detail: ValidationDetail[]): MistralErrorResponse {
  const body: MistralErrorBody = {
    object: 'error',
    message: { detail },
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
  return { status: 422, body };
}

export function extraForbidden(loc: Array<string | number>, input: unknown): MistralErrorResponse {
  return validationError([
    { type: 'extra_forbidden', loc: ['body', ...loc], msg: 'Extra inputs are not permitted', input },
  ]);
}

export function missingField(loc: Array<string | number>, input: unknown): MistralErrorResponse {
  return validationError([{ type: 'missing', loc: ['body', ...loc], msg: 'Field required', input }]);
}

export function wrongType(
  loc: Array<string | number>,
  type: string,
  msg: string,
  input: unknown,
): MistralErrorResponse {
  return validationError([{ type, loc: ['body', ...loc], msg, input }]);
}

export function unauthorized(requestId: string): MistralErrorResponse {
  return { status: 401, body: { message: 'Unauthorized', request_id: requestId } };
}

const STATUS_DEFAULTS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request', type: 'invalid_request_error', code: null },
  403: { message: 'Forbidden', type: 'forbidden', code: null },
  404: { message: 'Not Found', type: 'invalid_request_error', code: null },
  429: { message: 'Rate limit exceeded', type: 'rate_limited', code: '1300' },
  500: { message: 'Internal server error', type: 'internal_server_error', code: null },
  502: { message: 'Bad gateway', type: 'internal_server_error', code: null },
  503: { message: 'Service unavailable', type: 'service_unavailable', code: null },
  504: { message: 'Gateway timeout', type: 'internal_server_error', code: null },
};

export const errorForStatus: ProviderErrorFactory = (status) => {
  if (status === 401) return { body: { message: 'Unauthorized', request_id: 'fault' } };
  if (status === 422)
    return { body: validationError([{ type: 'value_error', loc: ['body'], msg: 'Invalid request' }]).body };
  const known = STATUS_DEFAULTS[status] ?? {
    message: `Request failed with status ${status}`,
    type: status >= 500 ? 'internal_server_error' : 'invalid_request_error',
    code: null,
  };
  return { body: mistralError(status, known.message, { type: known.type, code: known.code }).body };
};

/** Mid-stream failure: Mistral's own error object as one data record (then the stream ends). */
export function inBandStreamError(status: number): string[] {
  return [sseFrame(errorForStatus(status).body)];
}
