/**
 * Writes docs/provider-features.md, the table of what each provider adapter supports, from every adapter's
 * declared capabilities (src/providers/feature-table.ts), so the document cannot drift from the code.
 *
 *   npm run docs:features
 */
import { writeFile } from 'node:fs/promises';
import { renderFeatureTable } from '../src/providers/feature-table.ts';
import { providerRegistry } from '../src/providers/registry.ts';
import { scriptArgs } from './command-line.ts';

scriptArgs({});

await writeFile(
  new URL('../docs/provider-features.md', import.meta.url),
  renderFeatureTable(providerRegistry),
);
console.log('wrote docs/provider-features.md');
