import { describe, expect, it } from 'vitest';
import { knownModelIds } from '../../src/routing/known-models.ts';
import { BUILT_IN_MODELS, lookupBuiltIn } from '../../src/pricing/built-in.ts';

describe('knownModelIds', () => {
  it('lists one callable id per built-in table entry, priced under that same entry', () => {
    for (const [type, models] of BUILT_IN_MODELS) {
      const ids = knownModelIds(type);
      expect(ids).toHaveLength(models.size);
      [...models.values()].forEach((entry, i) => {
        expect(lookupBuiltIn(type, ids[i] as string), `${type}/${ids[i]}`).toBe(entry);
      });
    }
  });

  it('names ids a client can send, not the table’s family prefixes', () => {
    expect(knownModelIds('anthropic')).toContain('claude-sonnet-4-5');
    expect(knownModelIds('anthropic')).not.toContain('claude-sonnet-4');
    expect(knownModelIds('mistral')).toEqual(
      expect.arrayContaining(['mistral-large-latest', 'mistral-medium-latest', 'codestral-latest']),
    );
    expect(knownModelIds('mistral')).not.toContain('mistral-large');
    expect(knownModelIds('openai')).toContain('gpt-4.1');
  });

  it('knows nothing for a type the table does not cover', () => {
    expect(knownModelIds('openai-compatible')).toEqual([]);
  });
});
