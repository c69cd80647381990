/**
 * Key rotation for one provider (docs/design.md §2 "Routing"): several keys spread the load round-robin; a
 * key that got a 429 cools down for the provider's retry-after (or its reset header), and a key proven
 * bad is out of service for `authCooldownMs`. Keys are named by their short id (`key_1a2b3c4d`)
 * everywhere: the key itself never leaves the compiled header sets.
 *
 * What proves a key bad (issue 10): a refusal of a request with no client input in it (a health probe,
 * routing/health-probe.ts), or AUTH_STRIKES_TO_DISABLE refusals (401, billing) of real requests within
 * AUTH_STRIKE_WINDOW_MS. One refusal is not enough: a client that can make an upstream answer 401 once
 * must not take a key out of service for every tenant. A 403 about a resource is the request's doing
 * and no evidence against the key at all (the providers' classify functions answer it to the client).
 *
 * This is the process-local view. Cooldowns are also written to the state store (scopes
 * KEY_COOLDOWN_SCOPE and KEY_DISABLED_SCOPE) and read back by src/routing/runtime.ts, so a key that
 * one gateway instance saw throttled is skipped by all of them; strikes are counted in the state store
 * (authStrikeCounter), so refusals seen by several instances add up.
 */
export type KeyCooldownReason = 'rate_limited' | 'auth';

export const KEY_COOLDOWN_SCOPE = 'keys';
export const KEY_DISABLED_SCOPE = 'keys-auth';
/** 429 cooldowns of one key for one model (members `provider:key_id/model`, see KeyPool.modelMember). */
export const KEY_MODEL_COOLDOWN_SCOPE = 'keys-model';

/**
 * Models one pool keeps separate 429 cooldowns for. Configured models and direct names that answered
 * are bounded already (runtime.ts); past this a throttle cools the key for every model, as a provider-wide
 * limit would, so no stream of names can grow memory.
 */
export const MAX_MODEL_COOLDOWNS = 1024;

/**
 * Refusals of one key by real requests, within AUTH_STRIKE_WINDOW_MS, that take it out of service.
 * Three: a bad key fails every request, so a busy gateway reaches three in milliseconds, while a client
 * would have to provoke a refusal three times inside the window, across keys rotated round-robin.
 */
export const AUTH_STRIKES_TO_DISABLE = 3;
/** The window strikes are counted in, from the first (a fixed window, as StateStore.increment keeps). */
export const AUTH_STRIKE_WINDOW_MS = 60_000;

/** The state-store counter of refusals of key `member` (see KeyPool.member). */
export function authStrikeCounter(member: string): string {
  return `keys-auth-strikes:${member}`;
}

export interface KeyStatus {
  id: string;
  state: 'available' | 'cooling' | 'disabled';
  /** Epoch ms when it is usable again; 0 when available. */
  until: number;
  /** Models this key is throttled for (a 429 cools a key per model), with when each ends; absent when none. */
  models?: Record<string, number>;
}

export class KeyPool {
  readonly provider: string;
  readonly ids: readonly string[];
  readonly #until: Float64Array;
  readonly #reason: Array<KeyCooldownReason | null>;
  /**
   * 429 cooldowns per model, by key index: providers limit each model separately (OpenAI's RPM and TPM,
   * Anthropic's per-model tiers), so a throttled `gpt-4.1` leaves the same key free for `gpt-4.1-mini`.
   * Made on the first 429 of a model.
   */
  readonly #modelUntil = new Map<string, Float64Array>();
  #cursor = 0;

  constructor(provider: string, ids: readonly string[]) {
    this.provider = provider;
    this.ids = ids;
    this.#until = new Float64Array(ids.length);
    this.#reason = ids.map(() => null);
  }

  /** Store member name of key `index`: unique across providers. */
  member(index: number): string {
    return `${this.provider}:${this.ids[index]}`;
  }

  /**
   * The next usable key, round-robin, or -1 when every key is cooling down or out of service. `skip`
   * holds keys one request must not use again (the provider refused them for it).
   */
  pick(nowMs: number, skip?: ReadonlySet<number>, model?: string): number {
    const count = this.ids.length;
    const forModel = model === undefined ? undefined : this.#modelUntil.get(model);
    for (let i = 0; i < count; i++) {
      const index = (this.#cursor + i) % count;
      if (
        (this.#until[index] as number) <= nowMs &&
        (forModel === undefined || (forModel[index] as number) <= nowMs) &&
        (skip === undefined || !skip.has(index))
      ) {
        this.#cursor = index + 1;
        return index;
      }
    }
    return -1;
  }

  /** When the first key becomes usable again (`nowMs` if one is usable now). */
  availableAt(nowMs: number, model?: string): number {
    const forModel = model === undefined ? undefined : this.#modelUntil.get(model);
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.ids.length; i++) {
      const until = Math.max(this.#until[i] as number, forModel === undefined ? 0 : (forModel[i] as number));
      if (until <= nowMs) return nowMs;
      if (until < earliest) earliest = until;
    }
    return earliest;
  }

  /** True when no key is usable and every one of them is out because the provider refused it. */
  allRefused(nowMs: number): boolean {
    for (let i = 0; i < this.ids.length; i++) {
      if ((this.#until[i] as number) <= nowMs || this.#reason[i] !== 'auth') return false;
    }
    return this.ids.length > 0;
  }

  /** Takes key `index` out until `untilMs`; a later deadline already set is kept. True if it changed. */
  coolDown(index: number, untilMs: number, reason: KeyCooldownReason): boolean {
    if (untilMs <= (this.#until[index] ?? 0)) return false;
    this.#until[index] = untilMs;
    this.#reason[index] = reason;
    return true;
  }

  /** Store member name of key `index` for `model`'s own 429 cooldown. */
  modelMember(index: number, model: string): string {
    return `${this.member(index)}/${model}`;
  }

  /**
   * Takes key `index` out for `model` only until `untilMs` (a 429). Past MAX_MODEL_COOLDOWNS models the
   * key cools for all of them. True if it changed.
   */
  coolDownForModel(index: number, model: string, untilMs: number): boolean {
    let forModel = this.#modelUntil.get(model);
    if (forModel === undefined) {
      if (this.#modelUntil.size >= MAX_MODEL_COOLDOWNS) return this.coolDown(index, untilMs, 'rate_limited');
      forModel = new Float64Array(this.ids.length);
      this.#modelUntil.set(model, forModel);
    }
    if (untilMs <= (forModel[index] ?? 0)) return false;
    forModel[index] = untilMs;
    return true;
  }

  /** Per-model cooldowns other instances wrote (`modelMember` names), merged into the local view. */
  applySharedModels(members: ReadonlyMap<string, number>): void {
    for (const [member, until] of members) {
      for (let i = 0; i < this.ids.length; i++) {
        const prefix = `${this.member(i)}/`;
        if (member.startsWith(prefix)) this.coolDownForModel(i, member.slice(prefix.length), until);
      }
    }
  }

  /** Cooldowns other instances wrote (members of this provider only), merged into the local view. */
  applyShared(members: ReadonlyMap<string, number>, reason: KeyCooldownReason): void {
    for (let i = 0; i < this.ids.length; i++) {
      const until = members.get(this.member(i));
      if (until !== undefined) this.coolDown(i, until, reason);
    }
  }

  /** Takes over the state of keys that are still configured, after a reload. */
  inherit(previous: KeyPool): void {
    for (let i = 0; i < this.ids.length; i++) {
      const before = previous.ids.indexOf(this.ids[i] as string);
      if (before === -1) continue;
      this.#until[i] = previous.#until[before] as number;
      this.#reason[i] = previous.#reason[before] ?? null;
    }
    for (const [model, until] of previous.#modelUntil) {
      for (let i = 0; i < this.ids.length; i++) {
        const before = previous.ids.indexOf(this.ids[i] as string);
        if (before !== -1 && (until[before] as number) > 0)
          this.coolDownForModel(i, model, until[before] as number);
      }
    }
  }

  status(nowMs: number): KeyStatus[] {
    return this.ids.map((id, i) => {
      const until = this.#until[i] as number;
      const status: KeyStatus =
        until <= nowMs
          ? { id, state: 'available', until: 0 }
          : { id, state: this.#reason[i] === 'auth' ? 'disabled' : 'cooling', until };
      for (const [model, untils] of this.#modelUntil) {
        const modelUntil = untils[i] as number;
        if (modelUntil <= nowMs) continue;
        status.models ??= {};
        status.models[model] = modelUntil;
      }
      return status;
    });
  }
}
