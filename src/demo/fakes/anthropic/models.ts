/**
 * The fake Anthropic's model catalogue: what GET /v1/models lists and what each model accepts.
 *
 * Kept apart from the adapter's own table (src/providers/anthropic/models.ts) on purpose, so an
 * adapter that gets a model's rules wrong is caught by the fake, not excused by it. Sources: the
 * per-model overview and migration pages on platform.claude.com (2026 snapshots), docs/providers.md §2.
 *
 *   DEFAULT_ANTHROPIC_MODELS        the catalogue when none is configured
 *   findModel(catalogue, id)        by id or alias ("claude-sonnet-4-5" → the dated snapshot)
 *   genericModel(id)                the rules an unlisted model gets when the catalogue is not strict
 */

export interface AnthropicModel {
  /** The id the API reports in `model` (dated for older models). */
  id: string;
  /** Other names a request may use. */
  aliases: readonly string[];
  displayName: string;
  line: 'haiku' | 'sonnet' | 'opus' | 'fable' | 'mythos';
  /** RFC 3339, as in ModelInfo. */
  createdAt: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  /**
   * none: no extended thinking; budget: {type:"enabled",budget_tokens}; budget+adaptive: both
   * (4.6, budget deprecated); adaptive: adaptive only (4.7+).
   */
  thinking: 'none' | 'budget' | 'budget+adaptive' | 'adaptive';
  /** Thinks without being asked (the 5-series). */
  thinksByDefault: boolean;
  /** How thinking is switched off: {type:"disabled"}, only {type:"between_tools"}, or not at all. */
  thinkingOff: 'disabled' | 'between_tools' | 'never';
  /** temperature/top_p under 2023-06-01: both, one of them, or none (default values only on 5.x). */
  sampling: 'both' | 'either' | 'none';
  /** tool_choice any/tool accepted. */
  forcedToolUse: boolean;
  /** {"role":"system"} inside messages (Opus 4.8 only). */
  midConversationSystem: boolean;
  /** Thinking blocks only verify on the model that wrote them (the 5.5 generation). */
  thinkingBoundToModel: boolean;
  /** Smallest cacheable prefix, in tokens. */
  minCacheTokens: number;
  /** A final assistant turn (prefill) is accepted; the 4.6 generation and later reject it. */
  prefill: boolean;
}

type Rules = Omit<AnthropicModel, 'id' | 'aliases' | 'displayName' | 'line' | 'createdAt'>;

const LEGACY: Rules = {
  maxInputTokens: 200_000,
  maxOutputTokens: 64_000,
  thinking: 'budget',
  thinksByDefault: false,
  thinkingOff: 'disabled',
  sampling: 'either',
  forcedToolUse: true,
  midConversationSystem: false,
  thinkingBoundToModel: false,
  minCacheTokens: 1024,
  prefill: true,
};

const ADAPTIVE: Rules = {
  ...LEGACY,
  maxInputTokens: 1_000_000,
  maxOutputTokens: 128_000,
  thinking: 'adaptive',
  sampling: 'none',
  prefill: false,
};

const FIVE: Rules = { ...ADAPTIVE, thinksByDefault: true };

function model(
  id: string,
  aliases: string[],
  displayName: string,
  line: AnthropicModel['line'],
  createdAt: string,
  rules: Rules,
): AnthropicModel {
  return { id, aliases, displayName, line, createdAt, ...rules };
}

export const DEFAULT_ANTHROPIC_MODELS: readonly AnthropicModel[] = [
  model('claude-opus-5-5', [], 'Claude Opus 5.5', 'opus', '2026-10-28T00:00:00Z', {
    ...FIVE,
    thinkingOff: 'never',
    forcedToolUse: false,
    thinkingBoundToModel: true,
  }),
  model('claude-sonnet-5-5', [], 'Claude Sonnet 5.5', 'sonnet', '2026-10-28T00:00:00Z', {
    ...FIVE,
    thinkingOff: 'between_tools',
    forcedToolUse: false,
    thinkingBoundToModel: true,
  }),
  model('claude-haiku-5-5', [], 'Claude Haiku 5.5', 'haiku', '2026-10-28T00:00:00Z', FIVE),
  model('claude-opus-5', [], 'Claude Opus 5', 'opus', '2026-07-24T00:00:00Z', FIVE),
  model('claude-sonnet-5', [], 'Claude Sonnet 5', 'sonnet', '2026-06-30T00:00:00Z', FIVE),
  model('claude-opus-4-8', [], 'Claude Opus 4.8', 'opus', '2026-05-28T00:00:00Z', {
    ...ADAPTIVE,
    midConversationSystem: true,
  }),
  model('claude-opus-4-7', [], 'Claude Opus 4.7', 'opus', '2026-04-16T00:00:00Z', ADAPTIVE),
  model('claude-opus-4-6', [], 'Claude Opus 4.6', 'opus', '2026-02-05T00:00:00Z', {
    ...ADAPTIVE,
    thinking: 'budget+adaptive',
    sampling: 'either',
  }),
  model('claude-sonnet-4-6', [], 'Claude Sonnet 4.6', 'sonnet', '2026-02-17T00:00:00Z', {
    ...ADAPTIVE,
    thinking: 'budget+adaptive',
    sampling: 'either',
  }),
  model(
    'claude-opus-4-5-20251101',
    ['claude-opus-4-5'],
    'Claude Opus 4.5',
    'opus',
    '2025-11-24T00:00:00Z',
    LEGACY,
  ),
  model(
    'claude-haiku-4-5-20251001',
    ['claude-haiku-4-5'],
    'Claude Haiku 4.5',
    'haiku',
    '2025-10-15T00:00:00Z',
    {
      ...LEGACY,
      minCacheTokens: 2048,
    },
  ),
  model(
    'claude-sonnet-4-5-20250929',
    ['claude-sonnet-4-5'],
    'Claude Sonnet 4.5',
    'sonnet',
    '2025-09-29T00:00:00Z',
    LEGACY,
  ),
  model('claude-opus-4-1-20250805', ['claude-opus-4-1'], 'Claude Opus 4.1', 'opus', '2025-08-05T00:00:00Z', {
    ...LEGACY,
    maxOutputTokens: 32_000,
  }),
  model(
    'claude-sonnet-4-20250514',
    ['claude-sonnet-4-0'],
    'Claude Sonnet 4',
    'sonnet',
    '2025-05-22T00:00:00Z',
    {
      ...LEGACY,
      sampling: 'both',
    },
  ),
  model(
    'claude-3-5-haiku-20241022',
    ['claude-3-5-haiku-latest'],
    'Claude Haiku 3.5',
    'haiku',
    '2024-10-22T00:00:00Z',
    {
      ...LEGACY,
      maxOutputTokens: 8192,
      thinking: 'none',
      sampling: 'both',
      minCacheTokens: 2048,
    },
  ),
];

export function findModel(catalogue: readonly AnthropicModel[], name: string): AnthropicModel | undefined {
  return catalogue.find((m) => m.id === name || m.aliases.includes(name));
}

/** An unlisted model, answered when the catalogue is not strict: today's rules (adaptive, no sampling). */
export function genericModel(id: string): AnthropicModel {
  return model(id, [], id, 'sonnet', '2026-01-01T00:00:00Z', ADAPTIVE);
}

/** A bare id in options becomes the catalogue entry it names, or a generic model. */
export function toAnthropicModel(entry: string | AnthropicModel): AnthropicModel {
  if (typeof entry !== 'string') return entry;
  return findModel(DEFAULT_ANTHROPIC_MODELS, entry) ?? genericModel(entry);
}
