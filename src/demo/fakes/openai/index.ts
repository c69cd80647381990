/**
 * The fake OpenAI upstream: `startFakeOpenAI` plus the pieces other fakes of OpenAI-shaped APIs
 * (DeepSeek, Mistral, Qwen) may reuse.
 */
export type { OpenAIErrorBody, OpenAIErrorResponse } from './errors.ts';
export {
  errorForStatus as openAIErrorForStatus,
  inBandStreamError as openAIInBandStreamError,
  openAIError,
} from './errors.ts';
export type { FakeOpenAIOptions } from './fake-openai.ts';
export { startFakeOpenAI } from './fake-openai.ts';
export type { OpenAIModel } from './models.ts';
export { DEFAULT_OPENAI_MODELS, isReasoningModel, snapshotOf } from './models.ts';
export type { OpenAIRateLimits } from './rate-limit.ts';
export { DEFAULT_RATE_LIMITS, goDuration } from './rate-limit.ts';
export { tokenLogprobs } from './logprobs.ts';
