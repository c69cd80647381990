import { describe, expect, it } from 'vitest';
import { DropReporter } from '../../src/store/drop-reporter.ts';

describe('DropReporter', () => {
  it('logs the first drop at once, then at most once per interval with the count since', () => {
    let now = 0;
    const lines: Array<[string, string, number]> = [];
    const reporter = new DropReporter(
      (queue, reason, count) => lines.push([queue, reason, count]),
      1000,
      () => now,
    );
    reporter.dropped('requests', 'queue_full', 1);
    for (let i = 0; i < 50; i++) reporter.dropped('requests', 'queue_full', 1);
    reporter.dropped('spend', 'queue_full', 2);
    now = 1000;
    reporter.dropped('requests', 'queue_full', 1);
    expect(lines).toEqual([
      ['requests', 'queue_full', 1],
      ['spend', 'queue_full', 2],
      ['requests', 'queue_full', 51],
    ]);
  });

  it('logs what it held back when flushed, as the writer closes', () => {
    const lines: Array<[string, string, number]> = [];
    const reporter = new DropReporter((queue, reason, count) => lines.push([queue, reason, count]), 10_000);
    for (let i = 0; i < 40; i++) reporter.dropped('requests', 'closed', 1);
    reporter.flush();
    reporter.flush();
    expect(lines).toEqual([
      ['requests', 'closed', 1],
      ['requests', 'closed', 39],
    ]);
  });
});
