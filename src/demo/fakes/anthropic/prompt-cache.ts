/**
 * Prompt caching as the fake simulates it (docs/providers.md §2.9), so usage carries real-looking
 * `cache_creation_input_tokens` / `cache_read_input_tokens` and a gateway's usage mapping can be
 * checked end to end.
 *
 * The prompt is a sequence of segments in the API's prefix order, tools → system → messages; a
 * segment with `cache_control` is a breakpoint (top-level `cache_control` marks the last segment).
 * For a request, the longest breakpoint prefix found in the cache (same model, same text, not
 * expired) is read; the prefix up to the last breakpoint, minus what was read, is written with that
 * breakpoint's TTL. Prefixes under the model's minimum cacheable size are silently not cached, as
 * on the real API. Tokens are the toolkit's estimate: ceil(chars / 4).
 */
import { createHash } from 'node:crypto';
import { estimatePromptTokens } from '../shared/tokens.ts';
import type { AnthropicModel } from './models.ts';
import type { Block, CacheMarker, MessagesRequest } from './validate.ts';

export interface Segment {
  text: string;
  marker: CacheMarker | undefined;
}

export interface PromptUsage {
  /** All input tokens: uncached + read + written. */
  totalTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

/** An image costs a flat 85 tokens here, whatever its size. */
const IMAGE_CHARS = 85 * 4;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

export function promptSegments(request: MessagesRequest): Segment[] {
  const segments: Segment[] = [];
  for (const tool of request.toolDefs) segments.push({ text: JSON.stringify(tool), marker: markerOf(tool) });
  for (const block of request.system) segments.push({ text: String(block.text), marker: markerOf(block) });
  for (const turn of request.turns) {
    segments.push({ text: `\n\n${turn.role}:`, marker: undefined });
    for (const block of turn.blocks) segments.push({ text: blockText(block), marker: markerOf(block) });
  }
  const last = segments.at(-1);
  if (request.autoCache !== undefined && last !== undefined) last.marker = request.autoCache;
  return segments;
}

function markerOf(block: Block): CacheMarker | undefined {
  const marker = block.cache_control as { ttl?: string } | undefined | null;
  if (marker === undefined || marker === null) return undefined;
  return { ttl: marker.ttl === '1h' ? '1h' : '5m' };
}

/** What the model reads of a block. Earlier turns' thinking is stripped by the API and not counted. */
export function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return String(block.text);
    case 'image':
    case 'document':
      return 'x'.repeat(IMAGE_CHARS);
    case 'tool_use':
      return `${String(block.name)}(${JSON.stringify(block.input)})`;
    case 'tool_result':
      return typeof block.content === 'string'
        ? block.content
        : Array.isArray(block.content)
          ? block.content.map((part) => blockText(part as Block)).join('\n')
          : '';
    default:
      return '';
  }
}

export class PromptCache {
  #entries = new Map<string, number>();
  #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  account(model: AnthropicModel, segments: readonly Segment[]): PromptUsage {
    const now = this.#clock();
    const hash = createHash('sha256').update(model.id);
    let chars = 0;
    const breakpoints: Array<{ key: string; tokens: number; ttl: CacheMarker['ttl'] }> = [];
    for (const segment of segments) {
      hash.update(segment.text);
      chars += segment.text.length;
      if (segment.marker !== undefined) {
        breakpoints.push({
          key: hash.copy().digest('hex'),
          tokens: estimatePromptTokens(chars),
          ttl: segment.marker.ttl,
        });
      }
    }
    const usage: PromptUsage = {
      totalTokens: estimatePromptTokens(chars),
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    };
    const cacheable = breakpoints.filter((b) => b.tokens >= model.minCacheTokens);
    if (cacheable.length === 0) return usage;
    for (const breakpoint of cacheable) {
      const expiresAt = this.#entries.get(breakpoint.key);
      if (expiresAt !== undefined && expiresAt > now) {
        usage.cacheReadTokens = breakpoint.tokens;
        this.#entries.set(breakpoint.key, now + TTL_MS[breakpoint.ttl]); // a hit refreshes the TTL
      }
    }
    const last = cacheable.at(-1);
    if (last !== undefined && last.tokens > usage.cacheReadTokens) {
      const written = last.tokens - usage.cacheReadTokens;
      if (last.ttl === '1h') usage.cacheWrite1hTokens = written;
      else usage.cacheWrite5mTokens = written;
      for (const breakpoint of cacheable) {
        const expiresAt = this.#entries.get(breakpoint.key);
        if (expiresAt === undefined || expiresAt <= now)
          this.#entries.set(breakpoint.key, now + TTL_MS[breakpoint.ttl]);
      }
    }
    return usage;
  }
}
