// The `guardrails` section (docs/design.md §1) and the per-tenant override `tenants.<name>.guardrails`:
// the prompt-injection policy for what clients send and the output moderation of what models answer.
// docs/configuration.md "Guardrails" documents every field and why its default is what it is.

import { z } from 'zod';
import { providerTypes } from '../../providers/registry.ts';
import { wholeNumber } from './values.ts';

export const INJECTION_MODES = ['off', 'flag', 'strip', 'block'] as const;
export const SYSTEM_MESSAGE_MODES = ['allow', 'refuse', 'demote'] as const;
export const MODERATION_BACKENDS = ['off', 'local', 'llama-guard', 'openai'] as const;
export const MODERATION_ACTIONS = ['block', 'redact', 'flag'] as const;
/** The Llama Guard 3 hazard taxonomy (docs/providers.md §7); every backend reports in these codes. */
export const HAZARD_CATEGORIES = [
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
  'S6',
  'S7',
  'S8',
  'S9',
  'S10',
  'S11',
  'S12',
  'S13',
  'S14',
] as const;

export type InjectionMode = (typeof INJECTION_MODES)[number];
export type SystemMessageMode = (typeof SYSTEM_MESSAGE_MODES)[number];
export type ModerationBackendName = (typeof MODERATION_BACKENDS)[number];
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type HazardCategory = (typeof HAZARD_CATEGORIES)[number];

const categoryActions = z.partialRecord(z.enum(HAZARD_CATEGORIES), z.enum(MODERATION_ACTIONS));

/** `provider/model`: the configured provider (and its model) a remote moderation backend calls. */
const moderationTarget = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\/.+$/, { message: 'must be "provider/model", naming a configured provider' });

/** Every field optional: a tenant or model override names only what it changes. */
export const ModerationOverrideSchema = z.strictObject({
  backend: z.enum(MODERATION_BACKENDS).optional(),
  target: moderationTarget.optional(),
  action: z.enum(MODERATION_ACTIONS).optional(),
  categories: categoryActions.optional(),
});

export const ModerationSchema = ModerationOverrideSchema.extend({
  /**
   * The hold-back bound of a moderated stream, in characters: text is released at sentence ends, and a
   * run this long without one is checked and released anyway (docs/performance.md "Output moderation").
   */
  window_chars: wholeNumber(32, 65_536).optional(),
  /** The time bound of the same window: held text without a sentence end is judged and released after it. */
  hold_ms: wholeNumber(1, 60_000).optional(),
  /** Moderation by virtual model name (or `provider/model`), over the section and the tenant. */
  models: z.record(z.string().min(1), ModerationOverrideSchema).optional(),
  /**
   * Provider types whose native safety filtering is weaker: every category blocks for them unless the
   * config says otherwise for that category.
   */
  strict_provider_types: z.array(z.enum(providerTypes)).optional(),
  /** A remote backend that fails or times out: `closed` treats the text as flagged, `open` lets it pass. */
  on_error: z.enum(['closed', 'open']).optional(),
  /** How long a remote backend may take for one check before `on_error` applies. */
  timeout_ms: wholeNumber(1, 600_000).optional(),
});

export const TenantGuardrailsSchema = z.strictObject({
  injection: z.enum(INJECTION_MODES).optional(),
  system_messages: z.enum(SYSTEM_MESSAGE_MODES).optional(),
  moderation: ModerationOverrideSchema.optional(),
});

/** Far above any real conversation; bounds the work one request can ask of every stage. */
export const DEFAULT_MAX_MESSAGES = 4096;

export const guardrailsSection = z
  .strictObject({
    injection: z.enum(INJECTION_MODES).default('flag'),
    system_messages: z.enum(SYSTEM_MESSAGE_MODES).default('allow'),
    /** More messages than this in one request: 400 `too_many_messages`. */
    max_messages: wholeNumber(1, 1_000_000).default(DEFAULT_MAX_MESSAGES),
    moderation: ModerationSchema.default(() => ({})),
  })
  .default(() => ({
    injection: 'flag' as const,
    system_messages: 'allow' as const,
    max_messages: DEFAULT_MAX_MESSAGES,
    moderation: {},
  }));

export type GuardrailsConfig = z.output<typeof guardrailsSection>;
export type TenantGuardrails = z.output<typeof TenantGuardrailsSchema>;
export type ModerationOverride = z.output<typeof ModerationOverrideSchema>;
