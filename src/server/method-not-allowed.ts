/**
 * The 405 for a known path asked with a method it does not serve. RFC 9110 §15.5.6: every 405 carries
 * `Allow`, and a path that answers GET answers HEAD too (gateway.ts dispatch), so HEAD is listed with it.
 */
import { methodNotAllowed } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';

export function methodNotAllowedFor(method: string, path: string, methods: object): GatewayError {
  const allowed = Object.keys(methods);
  if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
  return methodNotAllowed(method, path, allowed.join(', '));
}
