/**
 * The closing line of `npm test`, computed from vitest's JSON report. A test file that fails before any
 * test runs (a missing fixture, a throw at import) has no failed assertion, so vitest's numFailedTests
 * leaves it out; it shows only as a testResults entry with status "failed". Counting those too is what
 * keeps a broken file from ending the run with "0 failed" (issue 10).
 */

/** The parts of vitest's JSON report (its Jest-compatible `--reporter=json` output) the summary reads. */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ status: string }>;
  }>;
}

export interface TestSummary {
  passed: number;
  /** Failed tests plus files that failed outside any test (did not load, or a hook threw). */
  failed: number;
  skipped: number;
  /** Files that failed with no failed test to show for it, relative to `root`, each with vitest's reason. */
  brokenFiles: Array<{ file: string; reason: string }>;
  text: string;
}

export function summarizeReport(report: VitestJsonReport, root: string): TestSummary {
  const brokenFiles = report.testResults
    .filter((file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'))
    .map((file) => ({ file: relativeTo(root, file.name), reason: firstLine(file.message ?? '') }));
  const passed = report.numPassedTests;
  const failed = report.numFailedTests + brokenFiles.length;
  const skipped = report.numPendingTests + report.numTodoTests;
  const lines = [`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`];
  if (brokenFiles.length > 0) {
    lines.push(`${brokenFiles.length} test file(s) failed outside any test (counted as failed above):`);
    for (const { file, reason } of brokenFiles) lines.push(`  ${file}: ${reason || 'no reason given'}`);
  }
  return { passed, failed, skipped, brokenFiles, text: lines.join('\n') };
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}
