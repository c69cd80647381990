/**
 * Issue 10: `npm test` ended with "0 failed" when a test file could not load (a fixture read outside
 * the repository), because vitest counts no failed test for a file that never ran one.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarizeReport, type VitestJsonReport } from '../../scripts/test-summary.ts';

const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** The shape vitest wrote for one file that threw at import and one that passed (trimmed). */
function reportWithBrokenFile(): VitestJsonReport {
  return {
    numPassedTests: 6,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    testResults: [
      {
        name: `${root}/test/providers/openai/stream.test.ts`,
        status: 'failed',
        message:
          "ENOENT: no such file or directory, open '/elsewhere/openai-text.chunks.txt'\n    at readFileSync",
        assertionResults: [],
      },
      {
        name: `${root}/test/providers/openai/response.test.ts`,
        status: 'passed',
        message: '',
        assertionResults: Array.from({ length: 6 }, () => ({ status: 'passed' })),
      },
    ],
  };
}

describe('summarizeReport', () => {
  it('counts a test file that failed to load as a failure and names it', () => {
    const summary = summarizeReport(reportWithBrokenFile(), root);
    expect(summary.failed).toBe(1);
    expect(summary.passed).toBe(6);
    expect(summary.brokenFiles).toEqual([
      {
        file: 'test/providers/openai/stream.test.ts',
        reason: "ENOENT: no such file or directory, open '/elsewhere/openai-text.chunks.txt'",
      },
    ]);
    expect(summary.text.split('\n')[0]).toBe('tests: 6 passed, 1 failed, 0 skipped');
    expect(summary.text).toContain('test/providers/openai/stream.test.ts: ENOENT');
  });

  it('does not count a file twice when its failure is a failed test', () => {
    const report: VitestJsonReport = {
      numPassedTests: 1,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 1,
      testResults: [
        {
          name: `${root}/test/a.test.ts`,
          status: 'failed',
          message: '',
          assertionResults: [{ status: 'passed' }, { status: 'failed' }, { status: 'pending' }],
        },
      ],
    };
    const summary = summarizeReport(report, root);
    expect(summary.failed).toBe(1);
    expect(summary.brokenFiles).toEqual([]);
    expect(summary.text).toBe('tests: 1 passed, 1 failed, 3 skipped');
  });

  it('reads a real vitest report in which one file throws at import', async () => {
    // .work/ is git-ignored scratch space inside the repository, so vitest resolves from our node_modules.
    await mkdir(join(root, '.work'), { recursive: true });
    const dir = await mkdtemp(join(root, '.work', 'summary-'));
    try {
      await writeFile(
        join(dir, 'broken.test.ts'),
        "import { it } from 'vitest';\nthrow new Error('fixture missing');\nit('never runs', () => {});\n",
      );
      await writeFile(
        join(dir, 'fine.test.ts'),
        "import { expect, it } from 'vitest';\nit('passes', () => expect(1 + 1).toBe(2));\n",
      );
      await writeFile(
        join(dir, 'vitest.config.ts'),
        "export default { test: { include: ['*.test.ts'] } };\n",
      );
      const reportPath = join(dir, 'report.json');
      const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [vitest, 'run', '--root', dir, '--reporter=json', `--outputFile.json=${reportPath}`],
          { stdio: 'ignore' },
        );
        child.on('exit', (exitCode) => resolve(exitCode));
      });
      expect(code).not.toBe(0);
      const report = JSON.parse(await readFile(reportPath, 'utf8')) as VitestJsonReport;
      expect(report.numFailedTests).toBe(0);
      const summary = summarizeReport(report, dir);
      expect(summary.passed).toBe(1);
      expect(summary.failed).toBe(1);
      expect(summary.brokenFiles.map((f) => f.file)).toEqual(['broken.test.ts']);
      expect(summary.brokenFiles[0]?.reason).toContain('fixture missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
