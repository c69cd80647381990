/**
 * Named fault models: the failures a gateway must absorb, each as a fake script and how long it lasts.
 * The fault matrix (test/e2e/fault-matrix.test.ts) and the chaos drill name them instead of spelling
 * out scripts, so a row of the matrix reads as the failure it is.
 *
 *   once:       the next request to the faulty fake only (a blip)
 *   persistent: every request to the model until cleared (an outage)
 */
import type { FakeScript } from './script.ts';

export interface FaultModel {
  script: FakeScript;
  persistent: boolean;
}

/** A status-only body in the shape every OpenAI-dialect fake (and the gateway's classifiers) reads. */
const contextLengthBody = {
  error: {
    message:
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    type: 'invalid_request_error',
    param: 'messages',
    code: 'context_length_exceeded',
  },
};

const contentFilterBody = {
  error: {
    message: 'The response was filtered due to the prompt triggering content management policy.',
    type: 'invalid_request_error',
    param: 'prompt',
    code: 'content_filter',
  },
};

export const FAULT_MODELS = {
  'rate-limit-hinted-once': {
    script: { fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } },
    persistent: false,
  },
  'rate-limit-hinted-persistent': {
    script: { fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } },
    persistent: true,
  },
  'rate-limit-unhinted-once': { script: { fault: { kind: 'status', status: 429 } }, persistent: false },
  'rate-limit-unhinted-persistent': { script: { fault: { kind: 'status', status: 429 } }, persistent: true },
  'server-error-once': { script: { fault: { kind: 'status', status: 500 } }, persistent: false },
  'unavailable-persistent': { script: { fault: { kind: 'status', status: 503 } }, persistent: true },
  'reset-before-headers': { script: { fault: { kind: 'reset' } }, persistent: false },
  'no-response': { script: { fault: { kind: 'stall' } }, persistent: false },
  'slow-first-token': { script: { firstByteMs: 20_000 }, persistent: false },
  'stream-cut': { script: { fault: { kind: 'cut', afterChunks: 3 } }, persistent: false },
  'stream-stall': { script: { fault: { kind: 'stall-mid-stream', afterChunks: 3 } }, persistent: false },
  'malformed-chunk': { script: { fault: { kind: 'malformed', afterChunks: 3 } }, persistent: false },
  'no-done': { script: { fault: { kind: 'no-done' } }, persistent: false },
  'context-length': {
    script: { fault: { kind: 'status', status: 400, body: contextLengthBody } },
    persistent: false,
  },
  'content-filter': {
    script: { fault: { kind: 'status', status: 400, body: contentFilterBody } },
    persistent: false,
  },
} as const satisfies Record<string, FaultModel>;

export type FaultModelName = keyof typeof FAULT_MODELS;
