import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { headerComment } from '../../scripts/command-line.ts';

const run = promisify(execFile);

/** Modules the scripts import; they have no command line of their own. */
const libraries = new Set([
  'bench/configs.ts',
  'bench/load.ts',
  'bench/processes.ts',
  'bench/report.ts',
  'scripts/command-line.ts',
  'scripts/test-summary.ts',
]);

const commands = ['bench', 'scripts']
  .flatMap((dir) => readdirSync(dir).map((name) => `${dir}/${name}`))
  .filter((path) => path.endsWith('.ts') && !libraries.has(path));

async function exitOf(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout,
      stderr: failed.stderr,
    };
  }
}

describe.concurrent('the repository scripts answer --help', () => {
  it.each(commands)('%s --help prints its usage and runs nothing', async (path) => {
    const { code, stdout } = await exitOf([path, '--help']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${headerComment(path)}\n`);
    expect(stdout).toMatch(/node bench\/|npm /);
  });

  it('a malformed command line is one line of error and exit status 2, not a stack trace', async () => {
    const { code, stderr } = await exitOf(['bench/pricing-estimate.ts', '--no-such-option']);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--no-such-option'");
    expect(stderr).not.toContain('    at ');
  });
});

describe('headerComment', () => {
  it('is the first doc comment of a file without its markers', () => {
    expect(headerComment('bench/bare-proxy.ts')).toMatch(/^The ceiling for Node/);
    expect(headerComment('bench/bare-proxy.ts')).toContain(
      '\n  node bench/bare-proxy.ts PORT UPSTREAM_ORIGIN',
    );
  });
});
