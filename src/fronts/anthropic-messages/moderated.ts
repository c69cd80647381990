/**
 * A passed-through Anthropic Message once output moderation changed it (pipeline/guard-out.ts): the
 * upstream's own message (id, usage, tool_use and server-tool blocks, citations elsewhere) with only what
 * moderation touched rewritten. The normalized answer joined every text block into one `content` and the
 * thinking blocks into `reasoning_content` (providers/anthropic/response.ts), so:
 *
 *   blocked   → text and thinking blocks gone (redacted_thinking too: it is thinking, only encrypted),
 *               `stop_reason: "refusal"`, as Anthropic ends a turn its own classifiers stopped
 *   redacted  → the redacted text in the first text block (its citations dropped: they point into the
 *               text it replaced), the other text blocks gone
 */
import type { ChatCompletion } from '../../protocol/chat-response.ts';

type Block = Record<string, unknown> & { type?: unknown };

export function moderatedMessage(bodyText: string, moderated: ChatCompletion): string {
  // The adapter parsed this body already (the answer is a Message with a content array); the rare
  // moderated answer parses it once more instead of every answer keeping the parsed copy.
  const message = JSON.parse(bodyText) as Record<string, unknown> & { content: Block[] };
  const choice = moderated.choices[0];
  const blocked = choice?.finish_reason === 'content_filter';
  let text: string | undefined = blocked ? undefined : (choice?.message.content ?? undefined);
  const content: Block[] = [];
  for (const block of message.content) {
    if (block.type === 'text') {
      if (text !== undefined && text !== '') content.push({ ...block, text, citations: null });
      text = undefined;
      continue;
    }
    if (blocked && (block.type === 'thinking' || block.type === 'redacted_thinking')) continue;
    content.push(block);
  }
  if (!blocked) return JSON.stringify({ ...message, content });
  return JSON.stringify({ ...message, content, stop_reason: 'refusal', stop_sequence: null });
}
