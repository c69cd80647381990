/**
 * What a 429 does to a target's breaker (routing/breaker.ts, throttleOutcome), on the real runtime and
 * memory store with an injected clock. A key at its rate limit for a few milliseconds must not open the
 * breaker: with the other targets open, that left no target at all (resilience-outage "stalls", where
 * the fallback's fake ran out of its per-minute requests and 20 concurrent requests saw five short
 * 429s in a row). A long or unhinted throttle still counts as a failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { throttleOutcome } from '../../src/routing/breaker.ts';
import { type Compiled, compile, providers } from './fixtures.ts';

let compiled: Compiled | undefined;
afterEach(async () => {
  await compiled?.close();
  compiled = undefined;
});

function setup(): Compiled {
  compiled = compile({
    providers,
    models: { smart: { strategy: 'fallback', targets: ['openai/a', 'backup/b'] } },
    breaker: { open_ms: 10_000 },
  });
  return compiled;
}

describe('throttleOutcome', () => {
  it('counts a 429 as a failure only without a hint or with a throttle of at least open_ms', () => {
    const policy = setup().runtime.policies?.breaker;
    if (policy === undefined) throw new Error('no policy');
    expect(throttleOutcome(undefined, policy)).toBe('failure');
    expect(throttleOutcome(0, policy)).toBe('success');
    expect(throttleOutcome(6, policy)).toBe('success');
    expect(throttleOutcome(9_999, policy)).toBe('success');
    expect(throttleOutcome(10_000, policy)).toBe('failure');
    expect(throttleOutcome(60_000, policy)).toBe('failure');
  });
});

describe('a throttled fallback while the primary is open', () => {
  it('keeps the fallback passable through any number of short 429s in a row', () => {
    const c = setup();
    const policy = c.runtime.policies?.breaker;
    if (policy === undefined) throw new Error('no policy');
    const primary = c.target('openai/a').runtime;
    const backup = c.target('backup/b').runtime;
    for (let i = 0; i < 5; i++) c.runtime.recordOutcome(primary, 'failure', c.clock.now);
    expect(c.runtime.gate(primary, c.clock.now)).toBe('blocked');

    // 20 concurrent requests meet the backup's empty request bucket: "try again in 6 ms", each.
    for (let i = 0; i < 20; i++) {
      c.clock.now += 1;
      c.runtime.recordOutcome(backup, throttleOutcome(6, policy), c.clock.now);
    }
    expect(backup.breaker.state).toBe('closed');
    expect(c.runtime.gate(backup, c.clock.now)).toBe('pass');
    expect(c.logs.filter((l) => l.target === 'backup/b')).toEqual([]);
  });

  it('opens the breaker of a target that throttles every request for open_ms or longer', () => {
    const c = setup();
    const policy = c.runtime.policies?.breaker;
    if (policy === undefined) throw new Error('no policy');
    const backup = c.target('backup/b').runtime;
    for (let i = 0; i < 4; i++) c.runtime.recordOutcome(backup, throttleOutcome(30_000, policy), c.clock.now);
    expect(backup.breaker.state).toBe('closed');
    c.runtime.recordOutcome(backup, throttleOutcome(undefined, policy), c.clock.now);
    expect(backup.breaker.state).toBe('open');
  });

  it('hands a half-open trial slot back when the trial is throttled for a moment', () => {
    const c = setup();
    const policy = c.runtime.policies?.breaker;
    if (policy === undefined) throw new Error('no policy');
    const backup = c.target('backup/b').runtime;
    for (let i = 0; i < 5; i++) c.runtime.recordOutcome(backup, 'failure', c.clock.now);
    c.clock.now += 10_000;
    for (let i = 0; i < 3; i++) expect(c.runtime.acquireTrial(backup, c.clock.now)).toBe(true);
    expect(c.runtime.acquireTrial(backup, c.clock.now)).toBe(false);
    // One trial answers 429 "retry in 6 ms": the provider is up and answering, which closes the breaker
    // like any answered trial (issue 13); the key's own cooldown keeps requests off the throttled key.
    c.runtime.recordOutcome(backup, throttleOutcome(6, policy), c.clock.now);
    expect(backup.breaker.state).toBe('closed');
    expect(c.runtime.acquireTrial(backup, c.clock.now)).toBe(true);
  });
});
