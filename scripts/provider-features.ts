import { writeFile } from 'node:fs/promises';
import { renderFeatureTable } from '../src/providers/feature-table.ts';
import { providerRegistry } from '../src/providers/registry.ts';

await writeFile(
  new URL('../docs/provider-features.md', import.meta.url),
  renderFeatureTable(providerRegistry),
);
console.log('wrote docs/provider-features.md');
