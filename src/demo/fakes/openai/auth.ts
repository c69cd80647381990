/**
 * checkApiKey(authorization, keys): undefined when the request may proceed, else the 401 the API
 * sends. `keys` undefined accepts any non-empty bearer key (the default: demo and most tests do
 * not care which key the gateway holds).
 */
import { invalidApiKey, missingApiKey, type OpenAIErrorResponse } from './errors.ts';

export function checkApiKey(
  authorization: string | undefined,
  keys: ReadonlySet<string> | undefined,
): OpenAIErrorResponse | undefined {
  const key = /^Bearer\s+(.*)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  if (key === '') return missingApiKey();
  if (keys !== undefined && !keys.has(key)) return invalidApiKey(key);
  return undefined;
}
