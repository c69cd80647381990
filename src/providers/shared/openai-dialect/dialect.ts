/**
 * What one OpenAI dialect passes to the shared response and stream normalizers: its finish-reason and
 * usage mappers and how it reports a failure inside a 200. Everything else about "OpenAI-shaped but
 * not quite" (content arrays, tool calls without index or type, empty repeated ids, usage on the
 * finish chunk) is handled the same way for every dialect, since fixing it is harmless where the
 * quirk is absent.
 */
import type { FinishReason, Usage } from '../../../protocol/chat-response.ts';
import type { UpstreamFailure } from '../../types.ts';

export interface OpenAIDialect {
  /** Used in error messages (`mistral`, `deepseek`, `qwen`). */
  readonly provider: string;
  /** Total: unknown values map to a safe default (the raw value is kept for the log). */
  mapFinishReason(raw: string): FinishReason;
  /**
   * A finish reason that means the generation failed rather than ended (Mistral `error`, DeepSeek
   * `insufficient_system_resource`): the failure the attempt loop should see, else undefined.
   */
  finishFailure(raw: string): UpstreamFailure | undefined;
  /** The provider's usage object in OpenAI's meaning; undefined when it holds no counts. */
  mapUsage(raw: Record<string, unknown>): Usage | undefined;
  /** A JSON value received where a completion or chunk was expected is an error report: classify it. */
  inBandFailure(parsed: Record<string, unknown>): UpstreamFailure | undefined;
}
