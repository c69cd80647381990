import { describe, expect, it } from 'vitest';
import { knownModelIds } from '../../src/routing/known-models.ts';
import { BUILT_IN_PRICES, lookupModelInfo } from '../../src/routing/prices.ts';

describe('knownModelIds', () => {
  it('lists one callable id per built-in table entry, priced under that same entry', () => {
    for (const [type, models] of Object.entries(BUILT_IN_PRICES)) {
      const ids = knownModelIds(type);
      expect(ids).toHaveLength(Object.keys(models).length);
      Object.values(models).forEach((entry, i) => {
        expect(lookupModelInfo(type, ids[i] as string), `${type}/${ids[i]}`).toBe(entry);
      });
    }
  });

  it('names ids a client can send, not the table’s family prefixes', () => {
    expect(knownModelIds('anthropic')).toContain('claude-sonnet-4-5');
    expect(knownModelIds('anthropic')).not.toContain('claude-sonnet-4');
    expect(knownModelIds('mistral')).toEqual([
      'mistral-large-latest',
      'mistral-medium-latest',
      'mistral-small-latest',
      'codestral-latest',
    ]);
    expect(knownModelIds('openai')).toContain('gpt-4.1');
  });

  it('knows nothing for a type the table does not cover', () => {
    expect(knownModelIds('openai-compatible')).toEqual([]);
  });
});
