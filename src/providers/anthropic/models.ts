/**
 * What differs between Claude model families for request translation: output limits, which sampling
 * parameters they take, and how thinking is configured. The API answers a mismatch with a 400 (a
 * budget on an adaptive-only model, `temperature` on Opus 4.7+, forced tool use on the 5.5 models), so
 * the adapter must know before it sends. Sources: the per-model overview pages and migration guides on
 * platform.claude.com (2026 snapshots in the search corpus) and docs/providers.md §2.2.
 *
 * Matching is by id prefix, first row wins, so dated ids (`claude-sonnet-4-5-20250929`) and aliases
 * (`claude-sonnet-4-5`) share a row. An unknown id gets the most conservative profile: no sampling
 * parameters, adaptive thinking, a moderate max_tokens that every current model accepts.
 */

export type AnthropicEffort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface AnthropicModelProfile {
  /** Largest `max_tokens` the model accepts (the overview pages' "Max output"). */
  maxOutputTokens: number;
  /**
   * `max_tokens` when the client sets neither `max_tokens` nor `max_completion_tokens`. Anthropic
   * requires the field, and its output-tokens-per-minute limit is estimated from `max_tokens` when a
   * request starts, so the model's full output limit would exhaust a low tier's OTPM on one request:
   * we send a moderate value, larger where thinking is on by default and shares the budget.
   */
  defaultMaxTokens: number;
  /**
   * `temperature` / `top_p` under API version 2023-06-01: `both`; `either` (Opus 4.1 and the 4.5–4.6
   * models answer 400 "cannot both be specified"); `none` (Opus 4.7 and later: "`temperature` is
   * deprecated for this model", non-default values are a 400 on the 5-series).
   */
  sampling: 'both' | 'either' | 'none';
  /** `budget`: thinking {type:"enabled",budget_tokens}; `adaptive`: {type:"adaptive"} + output_config.effort. */
  thinking: 'unsupported' | 'budget' | 'adaptive';
  /**
   * How to turn thinking off for `reasoning_effort: "none"`: leave `thinking` out (off by default),
   * send {type:"disabled"} (5-series models think by default), {type:"between_tools"} (Sonnet 5.5 only
   * turns off upfront thinking), or null when the model cannot stop thinking (Opus 5.5, Fable, Mythos).
   */
  thinkingOff: 'omit' | 'disabled' | 'between_tools' | null;
  /** `output_config.effort` values the model accepts (adaptive models). */
  efforts: readonly AnthropicEffort[];
  /** Whether `tool_choice` any/tool is accepted: Opus 5.5, Sonnet 5.5 and Fable answer 400. */
  forcedToolChoice: boolean;
}

const EFFORTS_4_6: readonly AnthropicEffort[] = ['low', 'medium', 'high', 'max'];
const EFFORTS_ALL: readonly AnthropicEffort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

function legacy(
  maxOutputTokens: number,
  thinking: 'unsupported' | 'budget',
  sampling: 'both' | 'either',
): AnthropicModelProfile {
  return {
    maxOutputTokens,
    defaultMaxTokens: Math.min(maxOutputTokens, 16_384),
    sampling,
    thinking,
    thinkingOff: 'omit',
    efforts: [],
    forcedToolChoice: true,
  };
}

function adaptive(
  sampling: 'either' | 'none',
  thinkingOff: AnthropicModelProfile['thinkingOff'],
  efforts: readonly AnthropicEffort[],
  forcedToolChoice: boolean,
): AnthropicModelProfile {
  // Models that think by default get room for thinking and an answer out of the same max_tokens.
  const defaultMaxTokens = thinkingOff === 'omit' ? 16_384 : 32_000;
  return {
    maxOutputTokens: 128_000,
    defaultMaxTokens,
    sampling,
    thinking: 'adaptive',
    thinkingOff,
    efforts,
    forcedToolChoice,
  };
}

/** Order matters: a longer prefix must precede the shorter one it extends (opus-5-5 before opus-5). */
const PROFILES: ReadonlyArray<readonly [prefix: string, profile: AnthropicModelProfile]> = [
  // 5-series: adaptive thinking on by default, budget_tokens and non-default sampling are 400s.
  ['claude-opus-5-5', adaptive('none', null, EFFORTS_ALL, false)],
  ['claude-fable-', adaptive('none', null, EFFORTS_ALL, false)],
  ['claude-mythos-', adaptive('none', null, EFFORTS_ALL, false)],
  ['claude-sonnet-5-5', adaptive('none', 'between_tools', EFFORTS_ALL, false)],
  ['claude-opus-5', adaptive('none', 'disabled', EFFORTS_ALL, true)],
  ['claude-sonnet-5', adaptive('none', 'disabled', EFFORTS_ALL, true)],
  ['claude-haiku-5', adaptive('none', 'disabled', EFFORTS_ALL, true)],
  // Opus 4.7/4.8: adaptive only (budget_tokens is a 400), no sampling parameters, thinking opt-in.
  ['claude-opus-4-8', adaptive('none', 'omit', EFFORTS_ALL, true)],
  ['claude-opus-4-7', adaptive('none', 'omit', EFFORTS_ALL, true)],
  // 4.6: adaptive thinking introduced (budget_tokens deprecated there), 128K output, one sampler.
  ['claude-opus-4-6', adaptive('either', 'omit', EFFORTS_4_6, true)],
  ['claude-sonnet-4-6', adaptive('either', 'omit', EFFORTS_4_6, true)],
  // Extended thinking with budget_tokens.
  ['claude-opus-4-5', legacy(64_000, 'budget', 'either')],
  ['claude-sonnet-4-5', legacy(64_000, 'budget', 'either')],
  ['claude-haiku-4-5', legacy(64_000, 'budget', 'either')],
  ['claude-opus-4-1', legacy(32_000, 'budget', 'either')],
  ['claude-opus-4', legacy(32_000, 'budget', 'both')],
  ['claude-sonnet-4', legacy(64_000, 'budget', 'both')],
  ['claude-3-7-sonnet', legacy(64_000, 'budget', 'both')],
  ['claude-3-5-', legacy(8_192, 'unsupported', 'both')],
  ['claude-3-', legacy(4_096, 'unsupported', 'both')],
];

const UNKNOWN: AnthropicModelProfile = {
  maxOutputTokens: 32_000,
  defaultMaxTokens: 16_384,
  sampling: 'none',
  thinking: 'adaptive',
  thinkingOff: 'omit',
  efforts: ['low', 'medium', 'high'],
  forcedToolChoice: true,
};

export function anthropicModelProfile(model: string): AnthropicModelProfile {
  for (const [prefix, profile] of PROFILES) if (model.startsWith(prefix)) return profile;
  return UNKNOWN;
}

/** `claude-sonnet-4-5-20250929` and `claude-sonnet-4-5` name the same model (the API echoes the dated id). */
export function sameAnthropicModel(a: string, b: string): boolean {
  return stripSnapshotDate(a) === stripSnapshotDate(b);
}

function stripSnapshotDate(model: string): string {
  return model.replace(/-\d{8}$/, '').replace(/-latest$/, '');
}
