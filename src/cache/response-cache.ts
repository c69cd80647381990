/**
 * The response cache over a store (issue 14): entries checked for expiry and for the version of the
 * model that made them, answers stored as bytes (cached-answer.ts) and capped in size, and the version
 * each target's provider last reported kept as a marker, written only when it changes.
 */
import type { ChatCompletion } from '../protocol/chat-response.ts';
import { type CachedAnswer, decodeCachedAnswer, encodeCachedAnswer } from './cached-answer.ts';
import type { CacheRead, CacheStore } from './cache-store.ts';

/** Targets whose last noted version this instance remembers; more are simply noted again. */
const MAX_NOTED_TARGETS = 4_096;
/**
 * On a shared store another instance may overwrite a marker this one wrote (last writer wins), so what
 * this instance noted is trusted this long at most before the marker is written again.
 */
const SHARED_MARKER_REFRESH_MS = 1_000;

interface Noted {
  version: string;
  atMs: number;
}

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
  /**
   * target → the version the store's marker holds as far as this instance knows: what it last wrote, or
   * (on a shared store) what its last read found there.
   */
  readonly #noted = new Map<string, Noted>();
  /**
   * Entries of the memory store decoded once: it hands back the same bytes on every read, so a popular
   * entry's head is parsed on its first hit only. Weak: an entry the LRU evicts takes its decoding along.
   */
  readonly #decoded = new WeakMap<Buffer, CachedAnswer>();

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
    const bytes = encodeCachedAnswer(
      {
        expiresAtMs: this.#clock() + ttlMs,
        provider: answer.provider,
        target: answer.target,
        upstreamModel: answer.upstreamModel,
      },
      answer.completion,
      answer.completionJson,
    );
    if (bytes.length > maxEntryBytes) return false;
    this.store.write(key, bytes, ttlMs);
    return true;
  }

  /** The provider reported `version` for `target`: entries of any other version become unreachable. */
  noteVersion(target: string, version: string): void {
    const nowMs = this.#clock();
    const noted = this.#noted.get(target);
    if (
      noted !== undefined &&
      noted.version === version &&
      (this.store.kind === 'memory' || nowMs - noted.atMs < SHARED_MARKER_REFRESH_MS)
    )
      return;
    this.#remember(target, version, nowMs);
    this.store.writeMarker(target, version);
  }

  #remember(target: string, version: string, atMs: number): void {
    const noted = this.#noted.get(target);
    // Every read of a shared store comes here: a known target is updated in place, not reallocated.
    if (noted !== undefined) {
      noted.version = version;
      noted.atMs = atMs;
      return;
    }
    if (this.#noted.size >= MAX_NOTED_TARGETS) this.#noted.clear();
    this.#noted.set(target, { version, atMs });
  }

  ready(): Promise<void> {
    return this.store.ready();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  #decode(bytes: Buffer): CachedAnswer | undefined {
    if (this.store.kind !== 'memory') return decodeCachedAnswer(bytes);
    let entry = this.#decoded.get(bytes);
    if (entry === undefined) {
      entry = decodeCachedAnswer(bytes);
      if (entry !== undefined) this.#decoded.set(bytes, entry);
    }
    return entry;
  }

  #check(read: CacheRead, targets: readonly string[]): CachedAnswer | undefined {
    // A shared store's markers as read now: another instance may have changed one since this one wrote
    // it, and the next answer's version is compared with what the store holds, not with that write.
    if (this.store.kind !== 'memory') {
      const nowMs = this.#clock();
      for (let i = 0; i < targets.length; i++) {
        const marker = read.markers[i];
        if (marker !== undefined) this.#remember(targets[i] as string, marker, nowMs);
      }
    }
    if (read.entry === undefined) return undefined;
    const entry = this.#decode(read.entry);
    if (entry === undefined) return undefined;
    const head = entry.head;
    if (head.expiresAtMs <= this.#clock()) return undefined;
    const index = targets.indexOf(head.target);
    // A target no longer in the model's list (its revision changed too) cannot vouch for the entry.
    if (index === -1) return undefined;
    const marker = read.markers[index];
    if (marker !== undefined && marker !== head.upstreamModel) return undefined;
    return entry;
  }
}
