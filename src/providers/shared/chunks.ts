/**
 * Builders for the OpenAI `chat.completion.chunk` JSON that translating adapters emit (docs/providers.md
 * §1.7). Each chunk is serialized exactly once, here. Field order follows OpenAI's own chunks, which
 * some clients diff against recordings.
 */
import type { ChunkDelta, FinishReason, Usage } from '../../protocol/chat-response.ts';

export interface ChunkHeader {
  id: string;
  created: number;
  model: string;
}

/** One choice's delta; `usage: null` when the client asked for usage, as OpenAI does on every chunk. */
export function deltaChunk(
  header: ChunkHeader,
  delta: ChunkDelta,
  finishReason: FinishReason | null = null,
  options?: { index?: number; withUsageNull?: boolean; logprobs?: unknown },
): string {
  const chunk: Record<string, unknown> = {
    id: header.id,
    object: 'chat.completion.chunk',
    created: header.created,
    model: header.model,
    choices: [
      { index: options?.index ?? 0, delta, logprobs: options?.logprobs ?? null, finish_reason: finishReason },
    ],
  };
  if (options?.withUsageNull) chunk.usage = null;
  return JSON.stringify(chunk);
}

/** The final usage-only chunk: `choices: []` (docs/providers.md §1.7 step 5). */
export function usageChunk(header: ChunkHeader, usage: Usage): string {
  return JSON.stringify({
    id: header.id,
    object: 'chat.completion.chunk',
    created: header.created,
    model: header.model,
    choices: [],
    usage,
  });
}
