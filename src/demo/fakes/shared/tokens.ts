/**
 * Stream tokens for the fake upstreams.
 *
 *   splitTokens(text): string[]        word-ish pieces whose concatenation is exactly `text`
 *   countTokens(text): number          splitTokens(text).length, so usage matches the deltas streamed
 *   truncateTokens(text, max): string  the first `max` tokens joined
 *   estimatePromptTokens(chars): number  ceil(chars / 4), the usual rule of thumb for English
 *
 * Real tokenizers (BPE) put a word's leading space on the word and split punctuation and long
 * words apart: "Hello", " world", "!". We imitate that shape, not a real vocabulary: the fakes only
 * need streams that look and reassemble like the real thing and counts that agree with them.
 */

// A piece is: optional leading whitespace + a run of letters/digits (at most 10, so long words and
// numbers split as BPE would), or optional leading whitespace + a run of punctuation/symbols (at
// most 3), or trailing whitespace that has no word after it.
const TOKEN_PATTERN = /\s*[\p{L}\p{M}\p{N}_]{1,10}|\s*[^\s\p{L}\p{M}\p{N}_]{1,3}|\s+/gu;

export function splitTokens(text: string): string[] {
  return text.match(TOKEN_PATTERN) ?? [];
}

export function countTokens(text: string): number {
  if (text === '') return 0;
  let count = 0;
  TOKEN_PATTERN.lastIndex = 0;
  while (TOKEN_PATTERN.exec(text) !== null) count++;
  return count;
}

export function truncateTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  const tokens = splitTokens(text);
  return tokens.length <= maxTokens ? text : tokens.slice(0, maxTokens).join('');
}

export function estimatePromptTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
