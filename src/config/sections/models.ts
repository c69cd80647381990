// The `models` section: virtual models, their targets, hedging and conditional rules.

import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { firstTokenDeadline } from './first-token-deadline.ts';
import {
  HEADER_NAME,
  NO_WHITESPACE,
  isTargetString,
  milliseconds,
  positiveNumber,
  wholeNumber,
} from './values.ts';

export const STRATEGIES = ['fallback', 'weighted', 'cost', 'latency'] as const;
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

export type ModelTarget = { target: string; provider: string; model: string; weight: number };

const targetString = z.string().refine(isTargetString, {
  message: 'must be "provider/model", e.g. "openai/gpt-4.1"',
});

const TargetSchema = z
  .union([targetString, z.strictObject({ target: targetString, weight: positiveNumber.optional() })], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : 'must be "provider/model" or { target: "provider/model", weight: N }',
  })
  .transform((entry): ModelTarget => {
    const target = typeof entry === 'string' ? entry : entry.target;
    const slash = target.indexOf('/');
    return {
      target,
      provider: target.slice(0, slash),
      model: target.slice(slash + 1),
      weight: typeof entry === 'string' ? 1 : (entry.weight ?? 1),
    };
  });

const HedgeSchema = z.strictObject({
  after_ms: z.union([z.literal('p95'), milliseconds], {
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be a number of milliseconds or "p95"',
  }),
});

// A conditional route (issue 5): every condition given must hold; the first matching rule's targets
// replace the model's. Conditions read the request's shape, never its text. Cross-field checks
// (providers exist, weights only for weighted) are in checkModels.
const RuleConditionSchema = z
  .strictObject({
    min_prompt_tokens: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    max_prompt_tokens: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    tools: z.boolean().optional(),
    reasoning_effort: z.array(z.enum(REASONING_EFFORTS)).min(1).optional(),
    metadata: z.record(z.string().min(1), z.string()).optional(),
    headers: z
      .record(z.string().regex(HEADER_NAME, { message: 'is not a valid HTTP header name' }), z.string())
      .optional(),
  })
  .refine((when) => Object.values(when).some((value) => value !== undefined), {
    message:
      'needs at least one condition (min_prompt_tokens, max_prompt_tokens, tools, reasoning_effort, metadata, headers)',
  });

const RuleSchema = z.strictObject({
  name: z.string().min(1).optional(),
  when: RuleConditionSchema,
  targets: z.array(TargetSchema).min(1),
  strategy: z.enum(STRATEGIES).optional(),
});

const VirtualModelSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default(DEFAULTS.strategy),
  targets: z.array(TargetSchema).min(1),
  hedge: HedgeSchema.optional(),
  // Overrides the providers' adaptive first-token deadline for this model's requests.
  first_token_deadline: firstTokenDeadline.optional(),
  rules: z.array(RuleSchema).min(1).optional(),
});

export type VirtualModelConfig = z.output<typeof VirtualModelSchema>;
export type RuleConfig = z.output<typeof RuleSchema>;

export const modelsSection = z
  .record(
    z.string().regex(NO_WHITESPACE, { message: 'model names must not contain whitespace' }),
    VirtualModelSchema,
  )
  .default(() => ({}));
