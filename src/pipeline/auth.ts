/**
 * Virtual key → tenant. With no tenants configured the gateway runs in single-user mode and needs no
 * key. Keys are looked up by their SHA-256, so the snapshot never holds a usable key in a Map a heap
 * dump would show next to its tenant.
 */
import { hashKey } from '../config/compile.ts';
import { invalidApiKey, modelNotAllowed } from '../errors/codes.ts';
import type { RequestContext } from './context.ts';

export function authenticate(ctx: RequestContext): void {
  if (!ctx.snapshot.tenancy) return;
  const header = ctx.req.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const tenant = key ? ctx.snapshot.tenantsByKeyHash.get(hashKey(key)) : undefined;
  if (tenant === undefined) throw invalidApiKey();
  ctx.tenant = tenant;
}

export function checkModelAllowed(ctx: RequestContext, model: string): void {
  const allowed = ctx.tenant?.models;
  if (allowed !== undefined && !allowed.has(model)) throw modelNotAllowed(model);
}
