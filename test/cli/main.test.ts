/**
 * Issue 10: every command answers --help / -h with its usage on stdout and exit 0 (`start --help` and
 * `demo --help` used to fail as unknown options), and the top-level help points at them.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/switchyard.js', import.meta.url).pathname;

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('switchyard --help', () => {
  it.each([['--help'], ['-h'], ['help']])('`switchyard %s` lists every command and exits 0', async (flag) => {
    const { code, stdout, stderr } = await runCli([flag]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['start', 'demo', 'check'])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toContain('switchyard <command> --help');
  });

  it.each([
    ['start', ['--config FILE', '--port N', '--host H', '--workers N']],
    ['demo', ['--port N', '--host H', '--fault-rate R']],
    ['check', ['--config FILE']],
  ])('`switchyard %s --help` and `-h` print its usage and options and exit 0', async (command, options) => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([command, flag]);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^Usage: switchyard ${command}`));
      for (const option of options) expect(stdout).toContain(option);
    }
  });

  it('`switchyard help demo` is `switchyard demo --help`', async () => {
    const viaHelp = await runCli(['help', 'demo']);
    const viaFlag = await runCli(['demo', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('an unknown option names it and prints the usage, exit 1', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--fault-rat', '0.1']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain("'--fault-rat'");
    expect(stderr).toContain('Usage: switchyard demo');
  });
});
