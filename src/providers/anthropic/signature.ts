/**
 * Carrying Claude's thinking blocks through an OpenAI client and back.
 *
 * Anthropic needs the assistant turn's `thinking` blocks (text and `signature`, unmodified) and
 * `redacted_thinking` blocks back on the next request whenever the turn ended in tool use with
 * thinking on; otherwise the API answers 400 (docs/providers.md §2.3). An OpenAI client only sends back
 * what is on the assistant message, so the gateway puts one opaque string in the message's
 * `reasoning_signature` (the `reasoning_content` extension's companion) and reads it back on the way in.
 *
 * Why the message field and not the tool call id: ids survive every framework, but OpenAI rejects
 * tool call ids over 40 characters, so a conversation that falls back to OpenAI would break; and the
 * state belongs to the whole turn, not to one call.
 *
 * Why the string holds the thinking text too, not just signatures: `reasoning_content` is not a
 * reliable copy. The OpenAI SDK's stream helper keeps only the last delta of an unknown field, many
 * clients drop it, and a turn may hold several thinking blocks that one concatenated string cannot be
 * split back into. The string is self-contained: the blocks in order, and the model that wrote them,
 * because thinking blocks are bound to their model (Claude 5.5 models reject another model's blocks).
 *
 * Format: `claude-thinking.v1.` + base64url(JSON `{m: model, b: [["t", thinking, signature] | ["r", data]]}`).
 * Strings without the prefix (another provider's signature) are ignored, not rejected.
 */
import type { RedactedThinkingBlockParam, ThinkingBlockParam } from './wire.ts';

export type ThinkingBlock = ThinkingBlockParam | RedactedThinkingBlockParam;

export interface ThinkingState {
  model: string;
  blocks: ThinkingBlock[];
}

const PREFIX = 'claude-thinking.v1.';

export function encodeThinkingState(state: ThinkingState): string {
  const blocks = state.blocks.map((block) =>
    block.type === 'thinking' ? ['t', block.thinking, block.signature] : ['r', block.data],
  );
  return PREFIX + Buffer.from(JSON.stringify({ m: state.model, b: blocks }), 'utf8').toString('base64url');
}

/** undefined for anything that is not a well-formed string of ours. */
export function decodeThinkingState(value: unknown): ThinkingState | undefined {
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined; // a damaged string is treated like a missing one: there is nothing to send back
  }
  const record = parsed as { m?: unknown; b?: unknown } | null;
  if (typeof record?.m !== 'string' || !Array.isArray(record.b)) return undefined;
  const blocks: ThinkingBlock[] = [];
  for (const item of record.b) {
    if (!Array.isArray(item)) return undefined;
    if (item[0] === 't' && typeof item[1] === 'string' && typeof item[2] === 'string') {
      blocks.push({ type: 'thinking', thinking: item[1], signature: item[2] });
    } else if (item[0] === 'r' && typeof item[1] === 'string') {
      blocks.push({ type: 'redacted_thinking', data: item[1] });
    } else {
      return undefined;
    }
  }
  return { model: record.m, blocks };
}
