/**
 * Deterministic ids that look like the provider's own: a prefix and a fixed number of
 * alphanumerics, derived from (seed, counter) by hashing, so the n-th id of a fake started with a
 * given seed is always the same and never collides within a run.
 *
 *   const ids = new IdSource(seed);
 *   ids.next('chatcmpl-', 29)   // "chatcmpl-Bf3…" (OpenAI's length)
 *   ids.next('call_', 24)
 *   ids.hex(32)                 // lowercase hex, e.g. for request ids
 *   stableId('fp_', 'gpt-4.1', 10)  // same input, same id, no counter (system fingerprints)
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function encode(material: string, length: number, alphabet: string): string {
  let out = '';
  let round = 0;
  while (out.length < length) {
    const digest = createHash('sha256').update(`${material}#${round++}`).digest();
    for (const byte of digest) {
      if (out.length === length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export class IdSource {
  #seed: number;
  #counter = 0;

  constructor(seed: number) {
    this.#seed = seed;
  }

  next(prefix: string, length: number): string {
    return prefix + encode(`${this.#seed}:${this.#counter++}`, length, ALPHABET);
  }

  hex(length: number): string {
    return encode(`${this.#seed}:${this.#counter++}`, length, '0123456789abcdef');
  }
}

export function stableId(prefix: string, input: string, length: number, alphabet = ALPHABET): string {
  return prefix + encode(`stable:${input}`, length, alphabet);
}
