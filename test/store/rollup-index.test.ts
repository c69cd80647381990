import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollupIndex } from '../../src/store/rollup-index.ts';

interface Made {
  key: string;
  bucketStart: number;
}

const BUCKETS_MS = [10_000, 60_000, 3_600_000];

function index(): RollupIndex<Made> {
  return new RollupIndex((a, b, c, bucketMs, bucketStart) => ({
    key: `${bucketMs}/${bucketStart}/${a}/${b}/${c}`,
    bucketStart,
  }));
}

describe('RollupIndex', () => {
  it('gives one row per key, whatever order the keys come in', () => {
    const call = fc.record({
      a: fc.constantFrom('openai', 'anthropic', 'none'),
      b: fc.constantFrom('gpt-4o', 'claude', ''),
      c: fc.constantFrom('2xx', '5xx'),
      g: fc.integer({ min: 0, max: 2 }),
      timeMs: fc.integer({ min: 1_765_000_000_000, max: 1_765_000_000_000 + 7_200_000 }),
    });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 60 }), (calls) => {
        const rollups = index();
        const seen = new Map<string, Made>();
        for (const { a, b, c, g, timeMs } of calls) {
          const bucketMs = BUCKETS_MS[g] as number;
          const bucketStart = timeMs - (timeMs % bucketMs);
          // Fresh string objects, as rows deserialized on the log thread carry.
          const row = rollups.row(`${a}`, b.slice(0), c.concat(''), g, bucketMs, bucketStart);
          const key = `${bucketMs}/${bucketStart}/${a}/${b}/${c}`;
          expect(row.key).toBe(key);
          const before = seen.get(key);
          if (before === undefined) seen.set(key, row);
          else expect(row).toBe(before);
        }
        expect(new Set(rollups.rows())).toEqual(new Set(seen.values()));
      }),
    );
  });

  it('does not take the last row for a new bucket of the same parts', () => {
    const rollups = index();
    const first = rollups.row('openai', 'gpt-4o', '2xx', 0, 10_000, 0);
    const next = rollups.row('openai', 'gpt-4o', '2xx', 0, 10_000, 10_000);
    expect(next).not.toBe(first);
    expect(rollups.row('openai', 'gpt-4o', '2xx', 0, 10_000, 0)).toBe(first);
    expect(rollups.rows()).toHaveLength(2);
  });
});
