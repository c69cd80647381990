/**
 * Qwen streams (docs/providers.md §6.4) are OpenAI's chunks, usage chunk included, except that later
 * tool-call fragments repeat `"id":""` and `"type":"function"` and one may carry nothing at all
 * (recorded): the shared dialect normalizer rebuilds those and forwards every other chunk as it came.
 */
import { OpenAIDialectStream } from '../shared/openai-dialect/stream.ts';
import type { StreamTranslator, TranslationContext } from '../types.ts';
import { qwenDialect } from './response.ts';

export function createQwenStream(ctx: TranslationContext): StreamTranslator {
  return new OpenAIDialectStream(qwenDialect, ctx);
}
