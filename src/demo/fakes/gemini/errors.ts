/**
 * Gemini's error bodies (google.rpc.Status, docs/providers.md §3.7) for the fake:
 * `{"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT","details":[…]}}`.
 *
 *   googleError(code, message, details?)     any status; the canonical name comes from the code
 *   errorForStatus(status, retryAfterSeconds) the toolkit's ProviderErrorFactory: Gemini's usual body
 *   badRequest(violations)                    INVALID_ARGUMENT with a BadRequest detail, one line per field
 *   invalidArgument(message)                  INVALID_ARGUMENT without details (semantic checks)
 *   invalidKey(), missingKey()                what a wrong or absent API key gets
 *   modelNotFound(model), quotaExceeded(…)    404 and 429 as the API words them
 *   inBandStreamError(status)                 the `data: {"error":…}` record of a failing stream
 *   htmlNotFound(method, path)                Google's front end answers unknown paths with HTML
 *
 * Wording is the API's where reports quote it (quota and key messages, the "Unknown name" and
 * "Invalid value" validator lines); the 503 text is docs/providers.md's [UNV].
 */
import { sseFrame } from '../shared/sse-writer.ts';

export interface GoogleErrorResponse {
  status: number;
  body: { error: { code: number; message: string; status: string; details?: unknown[] } };
  headers?: Record<string, string>;
}

export interface FieldViolation {
  field: string;
  description: string;
}

const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

export function googleError(
  code: number,
  message: string,
  details?: unknown[],
  status?: string,
): GoogleErrorResponse {
  const error: GoogleErrorResponse['body']['error'] = {
    code,
    message,
    status: status ?? CANONICAL[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
  };
  if (details !== undefined && details.length > 0) error.details = details;
  return { status: code, body: { error } };
}

export function errorForStatus(status: number, retryAfterSeconds?: number): GoogleErrorResponse {
  if (status === 429) return quotaExceeded('gemini-2.5-flash', retryAfterSeconds ?? 13);
  if (status === 400) return invalidArgument('Request contains an invalid argument.');
  if (status === 401) return googleError(401, 'Request had invalid authentication credentials.');
  if (status === 403) return googleError(403, 'The caller does not have permission');
  if (status === 404) return googleError(404, 'Requested entity was not found.');
  return googleError(status, DEFAULT_MESSAGES[status] ?? `The service returned HTTP ${status}.`);
}

export function invalidArgument(message: string): GoogleErrorResponse {
  return googleError(400, message);
}

export function badRequest(violations: readonly FieldViolation[]): GoogleErrorResponse {
  return googleError(400, violations.map((v) => v.description).join('\n'), [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
  ]);
}

export function invalidJson(): GoogleErrorResponse {
  return badRequest([{ field: '', description: 'Invalid JSON payload received. Unexpected token.' }]);
}

export function invalidKey(): GoogleErrorResponse {
  const message = 'API key not valid. Please pass a valid API key.';
  return googleError(400, message, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
  ]);
}

export function missingKey(): GoogleErrorResponse {
  return googleError(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

export function modelNotFound(
  model: string,
  method = 'generateContent',
  apiVersion = 'v1beta',
): GoogleErrorResponse {
  return googleError(
    404,
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

/** 429 as the free tier answers it (recorded in errors/gemini-429.json, with a fuller message). */
export function quotaExceeded(model: string, retryAfterSeconds: number): GoogleErrorResponse {
  return googleError(
    429,
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model },
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: protoDuration(retryAfterSeconds) },
    ],
  );
}

/** A protobuf Duration in JSON as Gemini writes it: `13s`, `34.4s`. */
export function protoDuration(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

/** The record a failing stream ends with; the SDK raises it as ApiError with `code` (§3.6). */
export function inBandStreamError(status: number): string[] {
  return [sseFrame(errorForStatus(status).body, { eol: '\r\n' })];
}

export function htmlNotFound(method: string, path: string): { status: number; body: string } {
  return {
    status: 404,
    body: `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${escapeHtml(path)}</code> was not found on this server (${escapeHtml(method)}).  <ins>That’s all we know.</ins>\n`,
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
