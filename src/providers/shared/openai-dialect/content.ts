/**
 * Splitting dialect message content into what OpenAI clients read: answer text in `content` and
 * reasoning in `reasoning_content` (never mixed into `content`, adapter contract). Mistral's reasoning
 * models send content as an array
 * (`[{"type":"thinking","thinking":[{"type":"text","text":"…"}]},{"type":"text","text":"…"}]`,
 * docs/providers.md §4.3); the other dialects send a string and a sibling `reasoning_content`. A thinking
 * chunk's `signature` is not surfaced: no dialect needs earlier reasoning back (mistral/request.ts).
 */
import type { DialectContent, DialectContentPart } from './wire.ts';

export interface SplitContent {
  /** null when the upstream sent no text at all (tool-call-only turns). */
  text: string | null;
  reasoning: string | null;
}

const NOTHING: SplitContent = { text: null, reasoning: null };

export function splitContent(content: DialectContent | undefined): SplitContent {
  if (content === undefined || content === null) return NOTHING;
  if (typeof content === 'string') return { text: content, reasoning: null };
  if (!Array.isArray(content)) return NOTHING;
  let text: string | null = null;
  let reasoning: string | null = null;
  for (const part of content) {
    if (part === null || typeof part !== 'object') continue;
    if (part.type === 'thinking') {
      reasoning = (reasoning ?? '') + thinkingText(part);
    } else if ((part.type === 'text' || part.type === undefined) && typeof part.text === 'string') {
      text = (text ?? '') + part.text;
    }
    // `reference` (citations), `image_url` and other chunk types carry no text an OpenAI client reads.
  }
  return { text, reasoning };
}

function thinkingText(part: DialectContentPart): string {
  const thinking = part.thinking;
  if (typeof thinking === 'string') return thinking;
  if (!Array.isArray(thinking)) return '';
  let out = '';
  for (const inner of thinking)
    if (inner !== null && typeof inner === 'object' && typeof inner.text === 'string') out += inner.text;
  return out;
}

/** Tool-call arguments are a JSON string for OpenAI clients; Mistral may send the parsed object. */
export function argumentsText(value: string | Record<string, unknown> | null | undefined): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}
