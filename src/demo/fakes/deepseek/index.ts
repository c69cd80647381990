/** The fake DeepSeek upstream (docs/providers.md §5): `startDeepSeekFake` and the pieces its tests read. */
export type { DeepSeekErrorResponse } from './errors.ts';
export {
  errorForStatus as deepSeekErrorForStatus,
  inBandStreamError as deepSeekInBandStreamError,
} from './errors.ts';
export type { DeepSeekFakeOptions } from './fake-deepseek.ts';
export { startDeepSeekFake } from './fake-deepseek.ts';
export { DEFAULT_DEEPSEEK_MODELS, thinkingOn } from './models.ts';
