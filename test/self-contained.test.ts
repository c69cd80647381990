/**
 * Issue 10: a fresh clone must carry every file its tests, scripts and benchmarks read. A stream test
 * read its recording from ../shared/, next to this machine's checkout, so `git clone && npm install &&
 * npm test` failed everywhere else. This scans for file URLs built from import.meta.url that climb out
 * of the repository, and for absolute paths into this machine's layout.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs|sh)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `new URL('<relative>', import.meta.url)` with a literal first argument. */
const fileUrl = /new URL\(\s*['`]([^'`$]+)['`]\s*,\s*import\.meta\.url\s*\)/g;

describe('the repository is self-contained', () => {
  it('reads no file outside the repository from test/, bench/ or scripts/', async () => {
    const escapes: string[] = [];
    for (const dir of ['test', 'bench', 'scripts']) {
      for (const file of await sourceFiles(dir)) {
        const text = await readFile(file, 'utf8');
        for (const match of text.matchAll(fileUrl)) {
          const target = fileURLToPath(new URL(match[1] ?? '', `file://${file}`));
          if (relative(root, target).startsWith('..')) escapes.push(`${relative(root, file)}: ${match[1]}`);
        }
        if (/\/work\/(shared|main|wt)\b/.test(text))
          escapes.push(`${relative(root, file)}: absolute /work path`);
      }
    }
    expect(escapes).toEqual([]);
  });
});
