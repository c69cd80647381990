/** The fake Anthropic upstream: `startAnthropicFake` and what tests of it need. */
export type { AnthropicErrorBody, AnthropicErrorResponse, AnthropicErrorType } from './errors.ts';
export {
  errorForStatus as anthropicErrorForStatus,
  inBandStreamError as anthropicInBandStreamError,
} from './errors.ts';
export type { AnthropicFakeOptions } from './fake-anthropic.ts';
export { startAnthropicFake } from './fake-anthropic.ts';
export type { AnthropicModel } from './models.ts';
export { DEFAULT_ANTHROPIC_MODELS, findModel } from './models.ts';
export type { AnthropicRateLimits } from './rate-limit.ts';
export { DEFAULT_ANTHROPIC_RATE_LIMITS } from './rate-limit.ts';
export { REDACTED_THINKING_TRIGGER } from './thinking.ts';
export { API_VERSIONS, type ApiVersion } from './validate.ts';
