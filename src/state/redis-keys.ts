/**
 * Key names of the scripts. Every key of one call carries one Redis Cluster hash tag (the scope:
 * `switchyard:{tenant-a}:rpm:29000000`; a breaker's id: `switchyard:{brk:openai-1}`), so each script
 * touches one hash slot and runs on a cluster as on a single Redis.
 */
import { windowIndex } from './sliding-window.ts';

/**
 * `{scope}` as a hash tag. Braces and `%` are percent-encoded so a scope can neither end the tag early
 * nor make it empty (`{}` would hash the whole key); the empty scope becomes `%`, which no encoded
 * scope can be.
 */
export function scopeTag(prefix: string, scope: string): string {
  const safe =
    scope === '' ? '%' : scope.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${prefix}{${safe}}`;
}

/** The keys admit.lua reads and writes, in its KEYS order. */
export function admissionKeys(prefix: string, scope: string, nowMs: number, periodKey: string): string[] {
  const tag = scopeTag(prefix, scope);
  const index = windowIndex(nowMs);
  return [
    `${tag}:rpm:${index}`,
    `${tag}:rpm:${index - 1}`,
    `${tag}:tpm:${index}`,
    `${tag}:tpm:${index - 1}`,
    `${tag}:conc`,
    ...budgetKeys(tag, periodKey),
  ];
}

/** The keys settle.lua touches, in its KEYS order. */
export function settlementKeys(prefix: string, scope: string, nowMs: number, periodKey: string): string[] {
  const tag = scopeTag(prefix, scope);
  return [`${tag}:conc`, `${tag}:tpm:${windowIndex(nowMs)}`, ...budgetKeys(tag, periodKey)];
}

/** A budget period's totals (hash: spent, reserved), reservation amounts (hash) and expiries (sorted set). */
export function budgetKeys(tag: string, periodKey: string): string[] {
  return [`${tag}:b:${periodKey}`, `${tag}:br:${periodKey}`, `${tag}:bx:${periodKey}`];
}

/** A breaker's record and its last generation (kept after the record expires), in breaker.lua's order. */
export function breakerKeys(prefix: string, id: string): string[] {
  const tag = scopeTag(prefix, `brk:${id}`);
  return [tag, `${tag}:gen`];
}
