/**
 * `npm test`: type-check, lint, then the whole vitest suite, and a closing summary that says what ran
 * and what was skipped (the Redis and PostgreSQL suites need SWITCHYARD_TEST_REDIS_URL /
 * SWITCHYARD_TEST_PG_URL; .ci/run sets both).
 *
 *   npm test                          everything
 *   npm test -- test/cache -t 'hit'   the arguments after `--` go to `vitest run` (files, filters, options)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptArgs } from './command-line.ts';
import { summarizeReport, type VitestJsonReport } from './test-summary.ts';

// Only --help is this script's own; every other argument is vitest's.
scriptArgs({ strict: false, allowPositionals: true });

const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 24) {
  console.error(
    `npm test needs the Node 24 from node_modules/.bin (found ${process.version}); run \`npm install\` first.`,
  );
  process.exit(1);
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

const bin = (name: string) => join('node_modules', '.bin', name);

console.log(`node ${process.version}`);
console.log('== type-check (tsc)');
if ((await run(bin('tsc'), ['-p', 'tsconfig.json'])) !== 0) process.exit(1);
console.log('== lint (biome)');
if ((await run(bin('biome'), ['check', '.'])) !== 0) process.exit(1);

console.log('== tests (vitest)');
const dir = await mkdtemp(join(tmpdir(), 'switchyard-test-'));
const reportPath = join(dir, 'report.json');
const extra = process.argv.slice(2);
const code = await run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportPath}`,
  ...extra,
]);

const skippedBackends: string[] = [];
if (!process.env.SWITCHYARD_TEST_REDIS_URL)
  skippedBackends.push('Redis suites (set SWITCHYARD_TEST_REDIS_URL)');
if (!process.env.SWITCHYARD_TEST_PG_URL)
  skippedBackends.push('PostgreSQL suites (set SWITCHYARD_TEST_PG_URL)');
let summaryFailed = 0;
try {
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as VitestJsonReport;
  if (skippedBackends.length > 0) console.log(`skipped: ${skippedBackends.join('; ')}`);
  const summary = summarizeReport(report, process.cwd());
  summaryFailed = summary.failed;
  console.log(summary.text);
} catch {
  console.log('tests: no report was written (vitest failed before running tests)');
}
await rm(dir, { recursive: true, force: true });
// A failure the summary counts must fail the run even if vitest's own exit code missed it.
process.exit(code !== 0 ? code : summaryFailed > 0 ? 1 : 0);
