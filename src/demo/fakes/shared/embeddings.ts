/**
 * Deterministic fake embeddings for the provider fakes: the same text always gives the same unit
 * vector (so a test can compare two answers), different texts differ, and every component is a
 * float32 value (so base64 of float32 round-trips exactly).
 */
import { countTokens } from './tokens.ts';

export function fakeVector(text: string, dimensions: number): number[] {
  // FNV-1a of the text seeds a xorshift32 sequence.
  let state = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 0x01000193) >>> 0;
  if (state === 0) state = 1;
  const raw = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = state / 0xffffffff - 0.5;
    raw[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  return raw.map((value) => Math.fround(value * scale));
}

/** Prompt tokens of an embeddings input, as the fakes count them. */
export function embeddingTokens(inputs: ReadonlyArray<string | readonly number[]>): number {
  let total = 0;
  for (const input of inputs) total += typeof input === 'string' ? countTokens(input) : input.length;
  return total;
}

export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}
