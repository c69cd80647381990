/**
 * Mistral accepts a tool-call id sent back in history only if it matches `^[a-zA-Z0-9]{9}$`; anything
 * else is a 400 "Tool call id was X but must be a-z, A-Z, 0-9, with a length of 9." (docs/providers.md §4.2).
 * Ids from other providers (`call_…`, `toolu_…`) appear whenever a conversation moved between
 * providers, so foreign ids are re-mapped to 9 alphanumerics by hashing: the same id always maps to
 * the same value, so an assistant tool call and its tool result stay paired without any state. Mistral
 * never refers back to an id it was sent (its answers carry new ids of its own, already in the right
 * form), so no reverse map is needed; two foreign ids colliding needs 62⁹ ≈ 10¹⁶ luck.
 */
import { createHash } from 'node:crypto';

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function toMistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALPHABET[(digest[i] as number) % ALPHABET.length];
  return out;
}
