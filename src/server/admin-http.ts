/**
 * The plumbing every admin route shares: the admin-key guard, JSON bodies in and out, and errors in
 * OpenAI's envelope. Admin endpoints stay thin (docs/style.md §2.1): parse, call a service, answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../control-plane/virtual-key.ts';
import { invalidAdminKey, invalidJson, invalidRequest, routeNotFound } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { presentedKey } from '../pipeline/auth.ts';
import { writeErrorResponse } from '../pipeline/respond.ts';
import { readBody } from './body.ts';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;
export type AdminRoutes = Record<string, Record<string, AdminHandler>>;

const ADMIN_BODY_LIMIT = 64 * 1024;

/**
 * Wraps a handler with the admin-key check and the error envelope. `adminKey` is read per call, so a
 * reload that sets or removes the key applies at once. `guard: false` skips only the Bearer check, for
 * routes that authenticate otherwise (the signed pricing webhook): without an admin key the admin API is
 * off, and every route of it answers 404, that one included (docs/design.md §1).
 */
export function adminRoute(
  adminKey: () => string | undefined,
  handler: AdminHandler,
  options: { guard?: boolean } = {},
): AdminHandler {
  return async (req, res, requestId) => {
    try {
      const key = adminKey();
      if (options.guard !== false) authorizeAdmin(req, key);
      else if (key === undefined) throw routeNotFound(req.method ?? 'GET', req.url ?? '/');
      await handler(req, res, requestId);
    } catch (error) {
      req.resume();
      if (error instanceof GatewayError) writeErrorResponse(res, error, requestId);
      else throw error;
    }
  };
}

export function authorizeAdmin(req: IncomingMessage, adminKey: string | undefined): void {
  // No admin key: the admin API is off and its routes answer as if they did not exist.
  if (adminKey === undefined) throw routeNotFound(req.method ?? 'GET', req.url ?? '/');
  const given = presentedKey(req.headers.authorization, undefined) ?? '';
  if (given === '' || !constantTimeEqual(given, adminKey)) throw invalidAdminKey();
}

/** The raw body (a signature is computed over the exact bytes) and its JSON value. */
export async function readJsonBody(req: IncomingMessage): Promise<{ raw: Buffer; value: unknown }> {
  const raw = await readBody(req, ADMIN_BODY_LIMIT);
  try {
    return { raw, value: JSON.parse(raw.toString('utf8')) };
  } catch (error) {
    throw invalidJson((error as Error).message);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, requestId: string): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
  });
  res.end(body);
}

/** The query string of a request URL as a map (first value of each name wins). */
export function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
}

/** A list's `?limit=`: a whole number from 1 to `max`, `fallback` when absent; anything else a 400. */
export function pageLimitOf(query: URLSearchParams, max: number, fallback: number): number {
  const text = query.get('limit');
  const limit = text === null ? fallback : Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw invalidRequest(`'limit' must be an integer from 1 to ${max}.`, 'limit', 'invalid_value');
  return limit;
}
