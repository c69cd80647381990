/**
 * The fake Gemini upstream: `startGeminiFake` plus the pieces tests and other fakes may reuse
 * (error bodies, the model catalogue, signatures the fake accepts).
 */
export type { FieldViolation, GoogleErrorResponse } from './errors.ts';
export { errorForStatus as geminiErrorForStatus, googleError, quotaExceeded } from './errors.ts';
export type { GeminiFakeOptions } from './fake-gemini.ts';
export { startGeminiFake } from './fake-gemini.ts';
export type { GeminiModel } from './models.ts';
export { DEFAULT_GEMINI_MODELS, toGeminiModel } from './models.ts';
export { isFakeSignature, issueSignature } from './signatures.ts';
