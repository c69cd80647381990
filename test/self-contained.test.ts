/**
 * Issue 10: a fresh clone must carry every file its tests, scripts and benchmarks read. A stream test
 * read its recording from ../shared/, next to this machine's checkout, so `git clone && npm install &&
 * npm test` failed everywhere else. This scans for file URLs built from import.meta.url that climb out
 * of the repository, and for absolute paths into this machine's layout. Comments and docs cited the
 * design, provider and style documents by bare file names that were not in the repository either:
 * every docs/<name>.md citation must name a file that is, and its §N.N a heading in it.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

async function sourceFiles(dir: string, names = /\.(ts|js|mjs|sh)$/): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && names.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Section numbers of a document's headings: `### 2.7 Streaming` gives 2.7. */
async function sectionsOf(doc: string): Promise<Set<string>> {
  const text = await readFile(join(root, doc), 'utf8');
  return new Set([...text.matchAll(/^#+ (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1] ?? ''));
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

  it('cites only documents in the repository, and sections those documents have', async () => {
    const files = [join(root, 'README.md')];
    for (const dir of ['src', 'test', 'docs', 'scripts', 'bench', 'bin']) {
      files.push(...(await sourceFiles(dir, /\.(ts|js|mjs|sh|md|yaml|sse)$/)));
    }
    const sections = new Map<string, Set<string>>();
    const problems: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const where = relative(root, file);
      for (const match of text.matchAll(/(?<![\w/.-])(design|providers|style)\.md/g)) {
        problems.push(`${where}: bare ${match[0]} (not a path in the repository)`);
      }
      // A path in backquotes names another project's file (docs/style.md quotes pino's docs/ folder).
      for (const match of text.matchAll(/(?<!`)\bdocs\/([\w-]+\.md)(?: §(\d+(?:\.\d+)*))?/g)) {
        const doc = `docs/${match[1]}`;
        if (!existsSync(join(root, doc))) {
          problems.push(`${where}: ${doc} does not exist`);
          continue;
        }
        const section = match[2];
        if (section === undefined) continue;
        if (!sections.has(doc)) sections.set(doc, await sectionsOf(doc));
        if (!sections.get(doc)?.has(section)) problems.push(`${where}: ${doc} has no §${section}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
