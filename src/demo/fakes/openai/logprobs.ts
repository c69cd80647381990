/**
 * tokenLogprobs(tokens, topLogprobs, key): the `logprobs.content` entries for streamed tokens
 * (docs/providers.md §1.6): {token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}.
 *
 * Values are derived from a hash of (key, position, token). Callers key by model and choice index,
 * not by completion id, so a request gets the same numbers whether streamed or not. The sampled
 * token is the most likely one (as with temperature 0); alternatives follow in descending order.
 */
import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import { createHash } from 'node:crypto';

const ALTERNATIVES = [
  ' the',
  ' a',
  ',',
  '.',
  ' and',
  ' to',
  ' of',
  ' in',
  ' is',
  ' it',
  ' that',
  ' for',
  ' you',
  ' with',
  ' on',
  ' as',
  ' I',
  ' this',
  ' be',
  ' at',
];

export function tokenLogprobs(
  tokens: readonly string[],
  topLogprobs: number,
  key: string,
): ChatCompletionTokenLogprob[] {
  return tokens.map((token, position) => {
    const logprob = -roundTo(unit(`${key}:${position}:${token}`) * 0.5, 6);
    const top: ChatCompletionTokenLogprob.TopLogprob[] = [];
    if (topLogprobs > 0) top.push({ token, logprob, bytes: bytesOf(token) });
    for (let i = 0; top.length < topLogprobs; i++) {
      const alternative = ALTERNATIVES[(position + i) % ALTERNATIVES.length] ?? ' ';
      if (alternative === token) continue;
      const gap = 1 + i + unit(`${key}:${position}:alt${i}`);
      top.push({ token: alternative, logprob: roundTo(logprob - gap * 2, 6), bytes: bytesOf(alternative) });
    }
    return { token, logprob, bytes: bytesOf(token), top_logprobs: top };
  });
}

function bytesOf(token: string): number[] {
  return Array.from(Buffer.from(token, 'utf8'));
}

function unit(material: string): number {
  return createHash('sha256').update(material).digest().readUInt32BE(0) / 4294967296;
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
