/**
 * Qwen (DashScope compatible mode) error classification (docs/providers.md §6.5). The body is OpenAI's
 * envelope plus a top-level `request_id`; `code` holds either an OpenAI-style snake_case code
 * (`data_inspection_failed`, `limit_requests`, `invalid_api_key`) or DashScope's native one
 * (`DataInspectionFailed`, `Throttling.RateQuota`, `Arrearage`), so both spellings are matched.
 * No rate-limit headers are documented; a `retry-after` is honoured when one comes.
 */
import { classifyStatus, failure } from '../shared/error-class.ts';
import {
  type DialectErrorFields,
  readDialectError,
  readDialectErrorValue,
} from '../shared/openai-dialect/errors.ts';
import type { HeaderBag } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';

interface Row {
  test: (status: number, error: DialectErrorFields) => boolean;
  errorClass: ErrorClass;
}

function codeIs(error: DialectErrorFields, ...codes: string[]): boolean {
  const code = error.code?.toLowerCase();
  const type = error.type?.toLowerCase();
  return codes.some((c) => code === c || type === c);
}

function codeStarts(error: DialectErrorFields, prefix: string): boolean {
  return (
    (error.code?.toLowerCase().startsWith(prefix) ?? false) ||
    (error.type?.toLowerCase().startsWith(prefix) ?? false)
  );
}

/** First match wins; the status table decides the rest. */
const ROWS: readonly Row[] = [
  // DashScope: 400 data_inspection_failed / DataInspectionFailed "Input or output data may contain
  // inappropriate content." — Alibaba's moderation (also InternalError.Algo.DataInspectionFailed).
  {
    test: (_s, e) =>
      codeIs(e, 'data_inspection_failed', 'datainspectionfailed') ||
      /datainspectionfailed|inappropriate content/i.test(e.message),
    errorClass: 'content_filter',
  },
  // DashScope: 400 invalid_parameter_error "Range of input length should be [1, 129024]" — prompt too long.
  {
    test: (s, e) =>
      s === 400 &&
      /range of input length|input length should be|maximum context length|exceeds? the (maximum|context)/i.test(
        e.message,
      ),
    errorClass: 'context_length',
  },
  // DashScope: 400 Arrearage "Access denied, please make sure your account is in good standing." — unpaid bill.
  { test: (_s, e) => codeIs(e, 'arrearage'), errorClass: 'auth' },
  // DashScope: insufficient_quota / free-tier quota used up (AllocationQuota.FreeTierOnly): never clears by waiting.
  {
    test: (_s, e) => codeIs(e, 'insufficient_quota') || codeStarts(e, 'allocationquota.'),
    errorClass: 'auth',
  },
  // DashScope: 429 limit_requests "You exceeded your current requests list.", Throttling, Throttling.RateQuota,
  // Throttling.AllocationQuota — per-model RPM/TPM.
  {
    test: (_s, e) => codeIs(e, 'limit_requests', 'throttling') || codeStarts(e, 'throttling.'),
    errorClass: 'rate_limited',
  },
  // DashScope: 401 invalid_api_key / InvalidApiKey, also for a key used against the other region's host.
  { test: (_s, e) => codeIs(e, 'invalid_api_key', 'invalidapikey'), errorClass: 'auth' },
  // DashScope: 404 model_not_found — a config problem on our side, not transient.
  { test: (_s, e) => codeIs(e, 'model_not_found'), errorClass: 'bad_request' },
];

export function classifyQwenError(status: number, headers: HeaderBag, bodyText: string): UpstreamFailure {
  const error = readDialectError('qwen', status, bodyText);
  return failure(qwenErrorClass(status, error), status, error.message, headers, {
    code: error.code,
    param: error.param,
  });
}

export function qwenErrorClass(status: number, error: DialectErrorFields): ErrorClass {
  for (const row of ROWS) if (row.test(status, error)) return row.errorClass;
  return classifyStatus(status);
}

/** `data: {"error":{…}}` inside a 200 stream (e.g. output moderation cutting an answer short). */
export function qwenInBandFailure(parsed: Record<string, unknown>): UpstreamFailure | undefined {
  if (parsed.error === undefined || parsed.error === null) return undefined;
  const error = readDialectErrorValue('qwen', 200, parsed);
  return {
    errorClass: qwenErrorClass(500, error),
    status: 200,
    message: error.message,
    code: error.code,
    param: error.param,
    retryAfterMs: undefined,
  };
}
