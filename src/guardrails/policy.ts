/**
 * The guardrails in force for one request: the `guardrails` section with the tenant's override on top
 * (docs/design.md §1), resolved once per config snapshot and tenant, never per request. Moderation is
 * further narrowed by model and provider type when an attempt starts, through a small memo.
 *
 * Moderation precedence, lowest first: built-in category defaults, the section, `moderation.models[<the
 * model the client named>]`, the tenant's `guardrails.moderation`. For provider types in
 * `strict_provider_types` (default: the ones docs/providers.md's quick map lists without a native content
 * filter, Mistral, plus DeepSeek, whose filter covers little beyond politics), the categories softened
 * to `flag` by default (S6 specialized advice, S8 intellectual property, S13 elections: the local
 * classifier is coarsest there, and blocking a medical answer is a failure of its own) take the main
 * action too, unless the config names them.
 */
import { hash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import {
  HAZARD_CATEGORIES,
  type HazardCategory,
  type InjectionMode,
  type ModerationAction,
  type ModerationBackendName,
  type ModerationOverride,
  type SystemMessageMode,
  type TenantGuardrails,
} from '../config/sections/guardrails.ts';
import type { CompiledTenant } from '../control-plane/tenant-policy.ts';

/** The sentence-sized hold-back bound of a moderated stream (docs/performance.md "Output moderation"). */
export const DEFAULT_WINDOW_CHARS = 400;
/**
 * The time bound of the hold-back: text without a sentence end is judged and released after this long,
 * so a slow stream of one endless sentence still moves (docs/performance.md "Output moderation").
 */
export const DEFAULT_HOLD_MS = 1500;
/** A sentence check over the network: long enough for a small local model, short enough for a stream. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 5_000;
export const DEFAULT_STRICT_PROVIDER_TYPES: readonly string[] = ['mistral', 'deepseek'];
const SOFT_CATEGORIES: ReadonlySet<HazardCategory> = new Set(['S6', 'S8', 'S13']);

export interface ModerationPolicy {
  backend: ModerationBackendName;
  /** `provider/model` of a remote backend. */
  target: string | undefined;
  /** What each category does when flagged; every category is present. */
  actions: ReadonlyMap<HazardCategory, ModerationAction>;
  /**
   * No verdict can withhold text: every category only flags and the check is local (synchronous, no
   * outage to fail closed on). A stream then goes out as it arrives and is judged beside it, for the
   * log; holding it back would cost time to first token and memory for nothing (issue 18).
   */
  passThrough: boolean;
  windowChars: number;
  /** The longest text is held without a sentence end before it is judged and released anyway. */
  holdMs: number;
  /** A remote check that fails: treat the text as flagged (closed) or let it pass (open). */
  failClosed: boolean;
  timeoutMs: number;
}

export class GuardrailsPolicy {
  readonly injection: InjectionMode;
  readonly systemMessages: SystemMessageMode;
  readonly #config: Config['guardrails'];
  readonly #tenant: ModerationOverride | undefined;
  readonly #strict: ReadonlySet<string>;
  /** Keyed by `<strict 0|1>\n<override model or ''>`: bounded by the config's model overrides × 2. */
  readonly #memo = new Map<string, ModerationPolicy>();
  /** Keyed by the override model or '': bounded by the config's model overrides. */
  readonly #identities = new Map<string, string>();

  constructor(config: Config['guardrails'], tenant: TenantGuardrails | undefined) {
    this.injection = tenant?.injection ?? config.injection;
    this.systemMessages = tenant?.system_messages ?? config.system_messages;
    this.#config = config;
    this.#tenant = tenant?.moderation;
    this.#strict = new Set(config.moderation.strict_provider_types ?? DEFAULT_STRICT_PROVIDER_TYPES);
  }

  /** The moderation for an answer to `model` (the name the client sent) from a provider of `providerType`. */
  moderationFor(model: string, providerType: string): ModerationPolicy {
    const overrides = this.#config.moderation.models;
    const modelKey = this.#overrideKey(model);
    const strict = this.#strict.has(providerType);
    const key = `${strict ? 1 : 0}\n${modelKey}`;
    let policy = this.#memo.get(key);
    if (policy === undefined) {
      policy = this.#compile(modelKey === '' ? undefined : overrides?.[modelKey], strict);
      this.#memo.set(key, policy);
    }
    return policy;
  }

  /**
   * The moderation settings that apply to answers for `model`, as one digest: the section, the model's
   * override and the tenant's. What the response cache serves must have been judged under the same ones
   * (a hit is not moderated again), so they are part of its key. Memoized like moderationFor.
   */
  moderationIdentity(model: string): string {
    const modelKey = this.#overrideKey(model);
    let identity = this.#identities.get(modelKey);
    if (identity === undefined) {
      const override = modelKey === '' ? undefined : this.#config.moderation.models?.[modelKey];
      const settings = JSON.stringify([this.#config.moderation, override ?? null, this.#tenant ?? null]);
      identity = hash('sha256', settings, 'base64url');
      this.#identities.set(modelKey, identity);
    }
    return identity;
  }

  /** The model's name in `moderation.models` when it has an override there, else ''. */
  #overrideKey(model: string): string {
    const overrides = this.#config.moderation.models;
    return overrides !== undefined && Object.hasOwn(overrides, model) ? model : '';
  }

  #compile(modelOverride: ModerationOverride | undefined, strict: boolean): ModerationPolicy {
    const section = this.#config.moderation;
    const layers = [section, modelOverride, this.#tenant];
    let backend: ModerationBackendName = 'local';
    let target: string | undefined;
    let action: ModerationAction = 'block';
    const named = new Map<HazardCategory, ModerationAction>();
    for (const layer of layers) {
      if (layer === undefined) continue;
      if (layer.backend !== undefined) backend = layer.backend;
      if (layer.target !== undefined) target = layer.target;
      if (layer.action !== undefined) action = layer.action;
      for (const [category, categoryAction] of Object.entries(layer.categories ?? {})) {
        named.set(category as HazardCategory, categoryAction as ModerationAction);
      }
    }
    const actions = new Map<HazardCategory, ModerationAction>();
    for (const category of HAZARD_CATEGORIES) {
      const soft = SOFT_CATEGORIES.has(category) && !strict && action === 'block';
      actions.set(category, named.get(category) ?? (soft ? 'flag' : action));
    }
    let onlyFlags = true;
    for (const categoryAction of actions.values()) if (categoryAction !== 'flag') onlyFlags = false;
    return {
      backend,
      target,
      actions,
      passThrough: onlyFlags && backend === 'local',
      windowChars: section.window_chars ?? DEFAULT_WINDOW_CHARS,
      holdMs: section.hold_ms ?? DEFAULT_HOLD_MS,
      failClosed: section.on_error !== 'open',
      timeoutMs: section.timeout_ms ?? DEFAULT_REMOTE_TIMEOUT_MS,
    };
  }
}

const byConfig = new WeakMap<Config, GuardrailsPolicy>();
const byTenant = new WeakMap<CompiledTenant, GuardrailsPolicy>();

/** The policy for a request: built on first use per config snapshot and per tenant object, then reused. */
export function guardrailsPolicyFor(config: Config, tenant: CompiledTenant | undefined): GuardrailsPolicy {
  if (tenant?.guardrails !== undefined) {
    let policy = byTenant.get(tenant);
    if (policy === undefined) {
      policy = new GuardrailsPolicy(config.guardrails, tenant.guardrails);
      byTenant.set(tenant, policy);
    }
    return policy;
  }
  let policy = byConfig.get(config);
  if (policy === undefined) {
    policy = new GuardrailsPolicy(config.guardrails, undefined);
    byConfig.set(config, policy);
  }
  return policy;
}
