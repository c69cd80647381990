import type { AdapterCall } from '../../src/providers/types.ts';

/** An AdapterCall as config compile builds it from a base URL and a key. */
export function makeCall(
  provider: string,
  model: string,
  baseUrl: string,
  headers: Record<string, string> = {},
): AdapterCall {
  const url = new URL(baseUrl);
  return {
    target: { provider, model, baseUrl, origin: url.origin, basePath: url.pathname.replace(/\/$/, '') },
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
  };
}
