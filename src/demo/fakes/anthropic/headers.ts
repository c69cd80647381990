/**
 * The request headers the Messages API insists on (docs/providers.md §2.1).
 *
 *   checkApiKey(headers, keys)   401 unless `x-api-key` (or, as SDK 1.x sends it, `Authorization:
 *                                Bearer`) holds an accepted key; `x-api-key` wins when both are sent
 *   checkVersion(headers)        400 unless `anthropic-version` names a version the API has
 * `keys` undefined accepts any non-empty key. `anthropic-beta` flags are accepted and ignored.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type AnthropicErrorResponse, anthropicError, invalidRequest } from './errors.ts';
import { API_VERSIONS, type ApiVersion } from './validate.ts';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function checkApiKey(
  headers: IncomingHttpHeaders,
  keys: ReadonlySet<string> | undefined,
): AnthropicErrorResponse | undefined {
  const apiKey = first(headers['x-api-key'])?.trim();
  const bearer = /^Bearer\s+(.+)$/i.exec(first(headers.authorization) ?? '')?.[1]?.trim();
  const key = apiKey !== undefined && apiKey !== '' ? apiKey : bearer;
  if (key === undefined || key === '')
    return anthropicError(401, 'authentication_error', 'x-api-key header is required');
  if (keys !== undefined && !keys.has(key))
    return anthropicError(401, 'authentication_error', 'invalid x-api-key');
  return undefined;
}

export function checkVersion(
  headers: IncomingHttpHeaders,
): { version: ApiVersion } | { error: AnthropicErrorResponse } {
  const value = first(headers['anthropic-version'])?.trim();
  if (value === undefined || value === '')
    return { error: invalidRequest('anthropic-version: header is required') };
  if (!(API_VERSIONS as readonly string[]).includes(value)) {
    // [UNV] wording
    return {
      error: invalidRequest(
        `anthropic-version: "${value}" is not a valid version. Valid versions: ${API_VERSIONS.join(', ')}`,
      ),
    };
  }
  return { version: value as ApiVersion };
}
