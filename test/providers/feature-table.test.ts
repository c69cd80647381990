import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFeatureTable } from '../../src/providers/feature-table.ts';
import { providerRegistry } from '../../src/providers/registry.ts';

describe('docs/provider-features.md', () => {
  it('matches the capabilities the adapters declare (run `npm run docs:features` to update it)', () => {
    const onDisk = readFileSync(new URL('../../docs/provider-features.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderFeatureTable(providerRegistry));
  });
});
