/**
 * Mistral streams (docs/providers.md §4.3): text deltas are OpenAI's and are forwarded byte for byte; a tool
 * call arrives whole in one delta with no `index` or `type`, usually in the chunk that also carries
 * `finish_reason` and the usage, and reasoning models stream content as chunk arrays. The shared
 * dialect normalizer rebuilds those chunks in OpenAI's order: tool-call first fragment, arguments,
 * finish chunk, and the usage chunk after it.
 */
import { OpenAIDialectStream } from '../shared/openai-dialect/stream.ts';
import type { StreamTranslator, TranslationContext } from '../types.ts';
import { mistralDialect } from './response.ts';

export function createMistralStream(ctx: TranslationContext): StreamTranslator {
  return new OpenAIDialectStream(mistralDialect, ctx);
}
