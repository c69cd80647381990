/** The fake Mistral upstream (docs/providers.md §4): `startMistralFake` and the pieces its tests read. */
export type { MistralErrorBody, MistralErrorResponse, ValidationDetail } from './errors.ts';
export {
  errorForStatus as mistralErrorForStatus,
  inBandStreamError as mistralInBandStreamError,
} from './errors.ts';
export type { MistralFakeOptions } from './fake-mistral.ts';
export { startMistralFake } from './fake-mistral.ts';
export type { MistralModel } from './models.ts';
export { DEFAULT_MISTRAL_MODELS } from './models.ts';
export type { MistralRateLimits } from './rate-limit.ts';
export { DEFAULT_MISTRAL_LIMITS } from './rate-limit.ts';
