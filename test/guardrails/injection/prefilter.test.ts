/**
 * The prefilter (rules.ts INJECTION_PREFILTER) may only skip text no rule matches: over the whole corpus
 * and a set of generated texts, detection with and without it agrees.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInjectionOf } from '../../../src/guardrails/injection/detect.ts';

const corpus = JSON.parse(
  readFileSync(new URL('../../fixtures/guardrails/injection-corpus.json', import.meta.url), 'utf8'),
) as { cases: Array<{ text: string }> };

describe('injection prefilter', () => {
  it('never hides a rule match in the corpus', () => {
    for (const { text } of corpus.cases) {
      expect(firstInjectionOf(text, true)?.rule, text).toBe(firstInjectionOf(text, false)?.rule);
    }
  });

  it('never hides a rule match in corpus texts spliced into random text', () => {
    const texts = corpus.cases.map((item) => item.text);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...texts),
        fc.string({ maxLength: 40 }),
        (a, text, b) => {
          const whole = `${a}${text}${b}`;
          expect(firstInjectionOf(whole, true)?.rule).toBe(firstInjectionOf(whole, false)?.rule);
        },
      ),
      { numRuns: 500, seed: 15 },
    );
  });
});
