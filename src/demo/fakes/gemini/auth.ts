/**
 * checkApiKey(headers, query, keys): undefined when the request may proceed, else what Gemini
 * answers. The key comes in `x-goog-api-key` (what @google/genai sends) or the `key` query
 * parameter (docs/providers.md §3.1). No key at all is 403 PERMISSION_DENIED; a key Google does not
 * know is 400 INVALID_ARGUMENT with reason API_KEY_INVALID (§3.7). `keys` undefined accepts any
 * non-empty key.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type GoogleErrorResponse, invalidKey, missingKey } from './errors.ts';

export function apiKeyOf(headers: IncomingHttpHeaders, query: URLSearchParams): string {
  const header = headers['x-goog-api-key'];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  return fromHeader !== '' ? fromHeader : (query.get('key')?.trim() ?? '');
}

export function checkApiKey(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  keys: ReadonlySet<string> | undefined,
): GoogleErrorResponse | undefined {
  const key = apiKeyOf(headers, query);
  if (key === '') return missingKey();
  if (keys !== undefined && !keys.has(key)) return invalidKey();
  return undefined;
}
