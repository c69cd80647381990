/**
 * DeepSeek streams (docs/providers.md §5.3) are OpenAI's chunks with two differences the shared dialect
 * normalizer fixes: usage rides on the finish chunk (split off into OpenAI's `choices: []` usage
 * chunk) and `: keep-alive` comments arrive while the request is queued (the SSE parser drops them).
 * Reasoning and content deltas are forwarded byte for byte.
 */
import { OpenAIDialectStream } from '../shared/openai-dialect/stream.ts';
import type { StreamTranslator, TranslationContext } from '../types.ts';
import { deepSeekDialect } from './response.ts';

export function createDeepSeekStream(ctx: TranslationContext): StreamTranslator {
  return new OpenAIDialectStream(deepSeekDialect, ctx);
}
