/**
 * The OpenTelemetry GenAI semantic-convention attribute names the traces use, copied (as the
 * @opentelemetry/semantic-conventions README recommends for its unstable "incubating" entry point) from
 * @opentelemetry/semantic-conventions 1.45.0. The GenAI conventions are still moving, so the version is
 * pinned here and named in docs/configuration.md; a later version is adopted by editing this file.
 *
 * `gen_ai.system` was renamed `gen_ai.provider.name`; both are written, so backends reading either work.
 */
export const SEMCONV_VERSION = '1.45.0';

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
} as const;

/** The convention's well-known provider names by provider type; other types use their own name. */
const WELL_KNOWN: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
  deepseek: 'deepseek',
};

export function genAiSystemOf(providerType: string): string {
  return WELL_KNOWN[providerType] ?? providerType;
}
