// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

async function check(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCheck(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
  });
  return { code, stdout, stderr };
}

const fullEnv = {
  OPENAI_API_KEY: 'sk-openai-1',
  ANTHROPIC_API_KEY: 'sk-ant-1',
  DEEPSEEK_API_KEY: 'sk-deepseek-1',
  DASHSCOPE_API_KEY: 'sk-dashscope-1',
  MISTRAL_API_KEY: 'sk-mistral-1',
  ACME_KEY: 'sk-acme-tenant-1',
};

describe('switchyard check', () => {
  it('prints a summary and exits 0 for a valid config, warning about settings not enforced yet', async () => {
    const path = fixture('valid.yaml');
    const result = await check(['--config', path], fullEnv);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`ok: ${path}: 6 providers, 4 models, 2 tenants`);
    expect(lines.slice(0, -1).every((line) => line.startsWith('warning: '))).toBe(true);
  });

  it('accepts --config=FILE and -c FILE, and counts in the singular', async () => {
    const path = fixture('minimal.yaml');
    expect((await check([`--config=${path}`])).stdout).toBe(`ok: ${path}: 1 provider, 0 models, 0 tenants\n`);
    expect((await check(['-c', path])).code).toBe(0);
  });

  it('prints every problem as "path: message" and exits 1', async () => {
    const path = fixture('invalid.yaml');
    const { code, stdout, stderr } = await check(['--config', path]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      'server.prot: unknown key (did you mean "port"?)',
      'server.port: environment variable PORT is not set (set it, or write ${PORT:-default})',
      'providers.openai.keys[1]: has leading or trailing whitespace (often a newline from the file or variable it came from)',
      'providers.claude.type: must be one of: openai, anthropic, gemini, mistral, deepseek, qwen, openai-compatible (did you mean "anthropic"?)',
      'providers.local.base_url: is required for type "openai-compatible"',
      'models.smart.targets[1]: unknown provider "claud" (known: openai, claude, local)',
      'tenant: unknown section (did you mean "tenants"?)',
      `${path}: 7 problems`,
      '',
    ]);
    expect(stdout).not.toContain('secret-value');
  });

  it('names unset variables that emptied a keys list', async () => {
    const { code, stdout } = await check(['--config', fixture('valid.yaml')], {
      ...fullEnv,
      OPENAI_API_KEY: '',
    });
    expect(code).toBe(1);
    expect(stdout).toContain(
      'providers.openai.keys: at least one API key is required for type "openai" (dropped from the list: ${OPENAI_API_KEY} is empty, ${OPENAI_API_KEY_2} is not set)\n',
    );
  });

  it('reports a YAML syntax error with its line', async () => {
    const path = fixture('syntax-error.yaml');
    const { code, stdout } = await check(['--config', path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: `));
    expect(stdout).not.toContain('sk-syntax-secret');
  });

  it('reports a missing file and exits 1', async () => {
    const path = fixture('nope.yaml');
    expect(await check(['--config', path])).toEqual({
      code: 1,
      stdout: `${path}: config file not found\n${path}: 1 problem\n`,
      stderr: '',
    });
  });

  it('exits 2 with usage for a bad command line', async () => {
    const missing = await check([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^check needs --config FILE\n\nUsage: switchyard check --config FILE/);
    const unknown = await check(['--confg', 'x.yaml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--confg');
    expect((await check(['--config'])).code).toBe(2);
    expect((await check(['--config', 'a.yaml', 'extra'])).code).toBe(2);
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await check(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: switchyard check --config FILE/);
  });

  it('exits the process with status 1 for a broken config, as a user runs it', () => {
    const path = fixture('invalid.yaml');
    const bin = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'check', '--config', path], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('providers.claude.type: must be one of');
    expect(result.stdout).toContain('models.smart.targets[1]: unknown provider "claud"');
    expect(result.stdout).toContain(`${path}: 7 problems`);
  });
});
