/**
 * Virtual keys: `sk-sy-` and 43 characters of base64url (256 random bits), a shape secret scanners can
 * be taught to find. Only the SHA-256 is stored: a high-entropy key needs no slow hash, since there is
 * nothing to guess. Lookups go by hash in a Map, so comparing a presented key never touches a stored
 * key byte by byte; where two secrets are compared directly, `constantTimeEqual` does it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashKey } from '../config/compile.ts';

export const VIRTUAL_KEY_PREFIX = 'sk-sy-';

export interface NewVirtualKey {
  key: string;
  id: string;
  keyHash: string;
  keyHint: string;
}

export function generateVirtualKey(): NewVirtualKey {
  const key = `${VIRTUAL_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    key,
    id: `key_${randomBytes(12).toString('base64url')}`,
    keyHash: hashVirtualKey(key),
    keyHint: key.slice(-4),
  };
}

/** The same hash config keys get (compile.ts), so both kinds of key are found in one lookup path. */
export const hashVirtualKey = hashKey;

export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
