/**
 * The cache store contract (issue 14), run by memory-cache-store.test.ts and redis-cache-store.test.ts
 * through the ResponseCache that the gateway puts over either store: hit and miss, expiry, version
 * markers, the size cap, overwrite, a corrupt value, and (when the factory can make two clients on one
 * backend) two instances sharing entries. Writes may land asynchronously (Redis), so reads that follow a
 * write poll until they see it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/cache/cache-store.ts';
import { type FreshAnswer, ResponseCache } from '../../src/cache/response-cache.ts';
import type { ChatCompletion } from '../../src/protocol/chat-response.ts';

export interface CacheStoreFactory {
  /** A store on a fresh namespace; `shared` names a namespace another call may open too. */
  open(shared?: string): Promise<CacheStore>;
  /** Why two stores cannot share entries (memory is per process), or undefined when they can. */
  sharingSkipReason?: string;
}

const TARGETS = ['openai/gpt-4.1', 'claude/claude-sonnet-4-5'];
const MAX_ENTRY = 1024 * 1024;

export function completion(content: string, model = 'gpt-4.1-2025-04-14'): ChatCompletion {
  return {
    id: 'chatcmpl-original',
    object: 'chat.completion',
    created: 1_750_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

function answer(content: string, upstreamModel = 'gpt-4.1-2025-04-14'): FreshAnswer {
  return {
    provider: 'openai',
    target: 'openai/gpt-4.1',
    upstreamModel,
    completion: completion(content, upstreamModel),
  };
}

async function lookup(cache: ResponseCache, key: string, targets = TARGETS) {
  return await cache.lookup(key, targets);
}

/** Polls until `check` holds (a remote write lands after the call that made it returns). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function cacheStoreContract(name: string, factory: CacheStoreFactory): void {
  describe(`cache store contract: ${name}`, () => {
    const opened: CacheStore[] = [];
    let now = 1_000_000;
    const clock = () => now;
    const open = async (shared?: string) => {
      const store = await factory.open(shared);
      opened.push(store);
      return new ResponseCache(store, clock);
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('misses a key never stored, then hits the answer stored under it, unchanged', async () => {
      const cache = await open();
      expect(await lookup(cache, 'k1')).toBeUndefined();
      expect(cache.save('k1', answer('Hello'), 60_000, MAX_ENTRY)).toBe(true);
      await eventually(async () => (await lookup(cache, 'k1')) !== undefined, 'the entry is readable');
      const hit = await lookup(cache, 'k1');
      expect(hit?.head).toMatchObject({
        provider: 'openai',
        target: 'openai/gpt-4.1',
        upstreamModel: 'gpt-4.1-2025-04-14',
      });
      expect(hit?.completion).toEqual(completion('Hello'));
      expect(await lookup(cache, 'k2')).toBeUndefined();
    });

    it('expires an entry after its TTL', async () => {
      const cache = await open();
      cache.save('ttl', answer('Soon gone'), 30_000, MAX_ENTRY);
      await eventually(async () => (await lookup(cache, 'ttl')) !== undefined, 'the entry is readable');
      now += 29_999;
      expect(await lookup(cache, 'ttl')).toBeDefined();
      now += 1;
      expect(await lookup(cache, 'ttl')).toBeUndefined();
    });

    it('hides entries made by another version of the target once a new version is reported', async () => {
      const cache = await open();
      cache.save('ver', answer('Old model'), 60_000, MAX_ENTRY);
      await eventually(async () => (await lookup(cache, 'ver')) !== undefined, 'the entry is readable');
      cache.noteVersion('openai/gpt-4.1', 'gpt-4.1-2025-04-14');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await lookup(cache, 'ver')).toBeDefined();
      cache.noteVersion('openai/gpt-4.1', 'gpt-4.1-2026-01-01');
      await eventually(async () => (await lookup(cache, 'ver')) === undefined, 'the old entry is hidden');
      // A marker for another target changes nothing for this one.
      cache.noteVersion('claude/claude-sonnet-4-5', 'claude-sonnet-4-5-20990101');
      cache.save('ver', answer('New model', 'gpt-4.1-2026-01-01'), 60_000, MAX_ENTRY);
      await eventually(async () => (await lookup(cache, 'ver')) !== undefined, 'the new entry is readable');
      expect((await lookup(cache, 'ver'))?.completion.choices[0]?.message.content).toBe('New model');
    });

    it('misses when the entry was made by a target the model no longer routes to', async () => {
      const cache = await open();
      cache.save('gone', answer('From a removed target'), 60_000, MAX_ENTRY);
      await eventually(async () => (await lookup(cache, 'gone')) !== undefined, 'the entry is readable');
      expect(await lookup(cache, 'gone', ['claude/claude-sonnet-4-5'])).toBeUndefined();
    });

    it('refuses an entry over the size cap and keeps large ones under it intact', async () => {
      const cache = await open();
      expect(cache.save('big', answer('x'.repeat(5000)), 60_000, 4096)).toBe(false);
      const large = `Ünïcödé ${'lorem ipsum dolor sit amet '.repeat(4000)} ✓`;
      expect(cache.save('large', answer(large), 60_000, MAX_ENTRY)).toBe(true);
      await eventually(
        async () => (await lookup(cache, 'large')) !== undefined,
        'the large entry is readable',
      );
      expect((await lookup(cache, 'large'))?.completion.choices[0]?.message.content).toBe(large);
      expect(await lookup(cache, 'big')).toBeUndefined();
    });

    it('overwrites an entry stored again under the same key', async () => {
      const cache = await open();
      cache.save('again', answer('First'), 60_000, MAX_ENTRY);
      await eventually(async () => (await lookup(cache, 'again')) !== undefined, 'the entry is readable');
      cache.save('again', answer('Second'), 60_000, MAX_ENTRY);
      await eventually(
        async () => (await lookup(cache, 'again'))?.completion.choices[0]?.message.content === 'Second',
        'the second answer replaces the first',
      );
    });

    it('treats a value that is not an entry of ours as a miss', async () => {
      const cache = await open();
      cache.store.write('corrupt', Buffer.from('{"format":99,"nope":true}\n{}'), 60_000);
      cache.store.write('garbage', Buffer.from('not json at all'), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await lookup(cache, 'corrupt')).toBeUndefined();
      expect(await lookup(cache, 'garbage')).toBeUndefined();
    });

    const shared = factory.sharingSkipReason === undefined ? it : it.skip;
    shared(
      `shares entries and version markers between two instances${factory.sharingSkipReason === undefined ? '' : ` (skipped: ${factory.sharingSkipReason})`}`,
      async () => {
        const namespace = `shared-${Math.random().toString(36).slice(2)}`;
        const one = await open(namespace);
        const two = await open(namespace);
        one.save('both', answer('Seen by both'), 60_000, MAX_ENTRY);
        await eventually(
          async () => (await lookup(two, 'both')) !== undefined,
          'the second instance sees the entry',
        );
        two.noteVersion('openai/gpt-4.1', 'gpt-4.1-2026-01-01');
        await eventually(
          async () => (await lookup(one, 'both')) === undefined,
          'the first instance sees the new version',
        );
        // The marker is last-writer-wins: an instance that wrote a version before must write it again
        // once another has moved the marker, or the other's old-version entries would be served.
        const v1 = 'gpt-4.1-2025-04-14';
        const v2 = 'gpt-4.1-2026-01-01';
        one.noteVersion('openai/gpt-4.1', v2);
        two.noteVersion('openai/gpt-4.1', v1);
        two.save('old', answer('Made by v1', v1), 60_000, MAX_ENTRY);
        await eventually(async () => (await lookup(one, 'old')) !== undefined, 'the first instance sees v1');
        one.noteVersion('openai/gpt-4.1', v2);
        await eventually(async () => (await lookup(two, 'old')) === undefined, 'v2 is the marker again');
        expect(await lookup(one, 'old')).toBeUndefined();
      },
    );
  });
}
