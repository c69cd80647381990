/** The fake Qwen (DashScope compatible mode) upstream (docs/providers.md §6): `startQwenFake` and helpers. */
export type { QwenErrorBody, QwenErrorResponse } from './errors.ts';
export {
  errorForStatus as qwenErrorForStatus,
  inBandStreamError as qwenInBandStreamError,
} from './errors.ts';
export type { QwenFakeOptions } from './fake-qwen.ts';
export { startQwenFake } from './fake-qwen.ts';
export { DEFAULT_QWEN_MODELS, MAX_THINKING_BUDGET } from './models.ts';
