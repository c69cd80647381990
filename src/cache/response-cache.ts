/**
 * The response cache over a store (issue 14): entries checked for expiry and for the version of the
 * model that made them, answers serialized once and capped in size, and the version each target's
 * provider last reported kept as a marker, written only when it changes.
 */
import type { ChatCompletion } from '../protocol/chat-response.ts';
import { CACHED_ANSWER_FORMAT, type CachedAnswer, parseCachedAnswer } from './cached-answer.ts';
import type { CacheRead, CacheStore } from './cache-store.ts';

/** Targets whose last noted version this instance remembers; more are simply noted again. */
const MAX_NOTED_TARGETS = 4_096;

export interface FreshAnswer {
  provider: string;
  target: string;
  upstreamModel: string;
  completion: ChatCompletion;
  /** The completion's JSON text when at hand (a JSON answer as sent), to save serializing it again. */
  completionJson?: string;
}

export class ResponseCache {
  readonly store: CacheStore;
  readonly #clock: () => number;
  /** target → the version this instance last wrote a marker for. */
  readonly #noted = new Map<string, string>();

  constructor(store: CacheStore, clock: () => number = Date.now) {
    this.store = store;
    this.#clock = clock;
  }

  /** The live entry under `key`, made by the version its target reports now; synchronous for memory. */
  lookup(
    key: string,
    targets: readonly string[],
  ): CachedAnswer | undefined | Promise<CachedAnswer | undefined> {
    const read = this.store.read(key, targets);
    if (read instanceof Promise) return read.then((result) => this.#check(result, targets));
    return this.#check(read, targets);
  }

  /** Stores an answer for `ttlMs`; false when it is over `maxEntryBytes` serialized. */
  save(key: string, answer: FreshAnswer, ttlMs: number, maxEntryBytes: number): boolean {
    const head: Omit<CachedAnswer, 'completion'> = {
      format: CACHED_ANSWER_FORMAT,
      expiresAtMs: this.#clock() + ttlMs,
      provider: answer.provider,
      target: answer.target,
      upstreamModel: answer.upstreamModel,
    };
    // `{…head, "completion": …}` by concatenation: the completion's text is usually at hand already.
    const completion = answer.completionJson ?? JSON.stringify(answer.completion);
    const text = `${JSON.stringify(head).slice(0, -1)},"completion":${completion}}`;
    if (text.length > maxEntryBytes) return false;
    this.store.write(key, text, ttlMs);
    return true;
  }

  /** The provider reported `version` for `target`: entries of any other version become unreachable. */
  noteVersion(target: string, version: string): void {
    if (this.#noted.get(target) === version) return;
    if (this.#noted.size >= MAX_NOTED_TARGETS) this.#noted.clear();
    this.#noted.set(target, version);
    this.store.writeMarker(target, version);
  }

  ready(): Promise<void> {
    return this.store.ready();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  #check(read: CacheRead, targets: readonly string[]): CachedAnswer | undefined {
    if (read.entry === undefined) return undefined;
    const entry = parseCachedAnswer(read.entry);
    if (entry === undefined || entry.expiresAtMs <= this.#clock()) return undefined;
    const index = targets.indexOf(entry.target);
    // A target no longer in the model's list (its revision changed too) cannot vouch for the entry.
    if (index === -1) return undefined;
    const marker = read.markers[index];
    if (marker !== undefined && marker !== entry.upstreamModel) return undefined;
    return entry;
  }
}
