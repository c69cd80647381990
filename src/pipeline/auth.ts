/**
 * Virtual key → tenant. With no tenants (none in the config, none in the store) the gateway runs in
 * single-user mode and needs no key. Keys are looked up by their SHA-256 in Maps (config keys in the
 * snapshot, store keys in the KeyRegistry), so the process never holds a usable key next to its tenant
 * and a presented key is never compared byte by byte with a stored one.
 */
import { hashKey } from '../config/compile.ts';
import type { KeyRegistry } from '../control-plane/key-registry.ts';
import { invalidApiKey, modelNotAllowed } from '../errors/codes.ts';
import type { RequestContext } from './context.ts';

export function authenticate(ctx: RequestContext, keys: KeyRegistry | undefined): void {
  const snapshot = ctx.snapshot;
  if (!snapshot.tenancy && keys?.active !== true) return;
  const key = presentedKey(ctx.req.headers.authorization, ctx.req.headers['x-api-key']);
  if (key === undefined) throw invalidApiKey();
  const keyHash = hashKey(key);
  let tenant = snapshot.tenantsByKeyHash.get(keyHash);
  if (tenant === undefined && keys !== undefined) {
    tenant = keys.lookup(keyHash, snapshot);
    ctx.keyId = keys.idOf(keyHash);
  }
  if (tenant === undefined) throw invalidApiKey();
  ctx.tenant = tenant;
}

/**
 * `Authorization: Bearer <key>` (the scheme is case-insensitive, RFC 9110 §11.1) or `x-api-key: <key>`
 * (Anthropic's SDKs send that one).
 */
export function presentedKey(
  authorization: string | undefined,
  apiKey: string | string[] | undefined,
): string | undefined {
  if (authorization !== undefined && authorization.length > 7) {
    const scheme = authorization.slice(0, 7);
    if (scheme === 'Bearer ' || scheme.toLowerCase() === 'bearer ') {
      const key = authorization.slice(7).trim();
      if (key !== '') return key;
    }
  }
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}

export function checkModelAllowed(ctx: RequestContext, model: string): void {
  const allowed = ctx.tenant?.models;
  if (allowed !== undefined && !allowed.has(model)) throw modelNotAllowed(model);
}
