// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/errors.ts';
import type { LoadResult } from '../../src/config/load.ts';
import { loadConfigFile, parseConfigText } from '../../src/config/load.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

const fullEnv = {
  OPENAI_API_KEY: 'sk-openai-1',
  ANTHROPIC_API_KEY: 'sk-ant-1',
  DEEPSEEK_API_KEY: 'sk-deepseek-1',
  DASHSCOPE_API_KEY: 'sk-dashscope-1',
  MISTRAL_API_KEY: 'sk-mistral-1',
  ACME_KEY: 'sk-acme-tenant-1',
};

function problems(result: LoadResult): string[] {
  if (result.ok) throw new Error('expected problems, the config is valid');
  return result.errors.map(formatIssue);
}

describe('loadConfigFile', () => {
  it('loads a full config, substituting the environment', async () => {
    const result = await loadConfigFile(fixture('valid.yaml'), { ...fullEnv, PORT: '9000' });
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    const { config } = result;
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9000 });
    expect(config.server.admin_key).toBeUndefined();
    expect(config.providers.openai).toMatchObject({
      keys: ['sk-openai-1'],
      base_url: 'https://api.openai.com/v1',
    });
    expect(config.providers.local).toMatchObject({ type: 'openai-compatible', keys: [] });
    expect(Object.keys(config.models)).toEqual(['smart', 'fast', 'sampled', 'gpt-4.1-mini']);
    expect(config.models.fast?.hedge).toEqual({ after_ms: 'p95' });
    expect(config.models['gpt-4.1-mini']?.targets[1]).toMatchObject({
      provider: 'local',
      model: 'qwen2.5/coder',
    });
    expect(config.tenants.acme?.keys).toEqual(['sk-acme-tenant-1']);
  });

  it('rotates over every key given, including the optional second one', async () => {
    const result = await loadConfigFile(fixture('valid.yaml'), {
      ...fullEnv,
      OPENAI_API_KEY_2: 'sk-openai-2',
    });
    expect(result.ok && result.config.providers.openai?.keys).toEqual(['sk-openai-1', 'sk-openai-2']);
  });

  it("checks docs/design.md's own example: its models name providers it does not configure", async () => {
    const result = await loadConfigFile(fixture('design-example.yaml'), {
      ...fullEnv,
      SWITCHYARD_ADMIN_KEY: 'admin-0123456789abcdef',
    });
    expect(problems(result)).toEqual([
      'models.fast.targets[0]: unknown provider "deepseek" (known: openai, claude)',
      'models.fast.targets[1]: unknown provider "qwen" (known: openai, claude)',
      'models.fast.targets[2]: unknown provider "mistral" (known: openai, claude)',
      'models.sampled.targets[0]: unknown provider "deepseek" (known: openai, claude)',
    ]);
  });

  it('gives one clear issue for a missing file', async () => {
    const path = fixture('does-not-exist.yaml');
    expect(problems(await loadConfigFile(path, {}))).toEqual([`${path}: config file not found`]);
  });

  it('gives one clear issue for a directory', async () => {
    const path = fixture('');
    expect(problems(await loadConfigFile(path, {}))).toEqual([`${path}: is a directory, not a config file`]);
  });

  it('reports YAML syntax errors with line and column, and without the offending text', async () => {
    const path = fixture('syntax-error.yaml');
    const found = problems(await loadConfigFile(path, {}));
    expect(found.length).toBeGreaterThan(0);
    for (const line of found) expect(line).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: `));
    expect(found.join('\n')).not.toContain('sk-syntax-secret');
  });

  it('reports every problem of a broken file at once, in file order', async () => {
    const found = problems(await loadConfigFile(fixture('invalid.yaml'), {}));
    expect(found).toEqual([
      'server.prot: unknown key (did you mean "port"?)',
      'server.port: environment variable PORT is not set (set it, or write ${PORT:-default})',
      'providers.openai.keys[1]: has leading or trailing whitespace (often a newline from the file or variable it came from)',
      'providers.claude.type: must be one of: openai, anthropic, gemini, mistral, deepseek, qwen, openai-compatible (did you mean "anthropic"?)',
      'providers.local.base_url: is required for type "openai-compatible"',
      'models.smart.targets[1]: unknown provider "claud" (known: openai, claude, local)',
      'tenant: unknown section (did you mean "tenants"?)',
    ]);
    expect(found.join('\n')).not.toMatch(/secret-value/);
  });
});

describe('parseConfigText', () => {
  it('parses ${VAR} inside YAML flow lists, as in docs/design.md', () => {
    const result = parseConfigText(
      'providers: {openai: {type: openai, keys: [${A}, ${B}]}}\n',
      'inline.yaml',
      {
        A: 'sk-a',
        B: 'sk-b',
      },
    );
    expect(result.ok && result.config.providers.openai?.keys).toEqual(['sk-a', 'sk-b']);
  });

  it('cannot be tricked into YAML by a variable value', () => {
    const text = 'providers:\n  openai:\n    type: openai\n    keys: [${KEY}]\n';
    const result = parseConfigText(text, 'x.yaml', { KEY: 'sk-1]\n  evil: {type: openai' });
    expect(result.ok && result.config.providers).toEqual({
      openai: expect.objectContaining({ keys: ['sk-1]\n  evil: {type: openai'] }),
    });
  });

  it('names the unset variables when they leave a keys list empty', () => {
    const text =
      'providers:\n  openai:\n    type: openai\n    keys: [${OPENAI_API_KEY}, ${OPENAI_API_KEY_2}]\n';
    expect(problems(parseConfigText(text, 'x.yaml', { OPENAI_API_KEY_2: '' }))).toEqual([
      'providers.openai.keys: at least one API key is required for type "openai" (dropped from the list: ${OPENAI_API_KEY} is not set, ${OPENAI_API_KEY_2} is empty)',
    ]);
  });

  it('reports paths as the file numbers them, even after dropped items', () => {
    const text = 'providers:\n  openai:\n    type: openai\n    keys: [${GONE}, sk-ok, " sk-spaced"]\n';
    expect(problems(parseConfigText(text, 'x.yaml', {}))).toEqual([
      'providers.openai.keys[2]: has leading or trailing whitespace (often a newline from the file or variable it came from)',
    ]);
  });

  it('says which variable a bad value came from', () => {
    const text = 'server:\n  port: ${PORT}\nproviders: {openai: {type: openai, keys: [k]}}\n';
    expect(problems(parseConfigText(text, 'x.yaml', { PORT: 'eighty' }))).toEqual([
      'server.port: must be a number, got a string (the value comes from ${PORT})',
    ]);
  });

  it('does not repeat a failed substitution as a schema error', () => {
    const text = 'server:\n  port: ${PORT}\nproviders: {openai: {type: openai, keys: [k]}}\n';
    expect(problems(parseConfigText(text, 'x.yaml', {}))).toEqual([
      'server.port: environment variable PORT is not set (set it, or write ${PORT:-default})',
    ]);
  });

  it('rejects duplicate mapping keys with their line', () => {
    const text = 'providers:\n  openai: {type: openai, keys: [a]}\n  openai: {type: openai, keys: [b]}\n';
    expect(problems(parseConfigText(text, 'dup.yaml', {}))).toEqual([
      'dup.yaml: line 3, column 3: Map keys must be unique',
    ]);
  });

  it('reports a column that matches the file even after substitutions on the line', () => {
    const text = 'a: [${LONG_VARIABLE_NAME}, ${B}] ]\n';
    const [problem] = problems(parseConfigText(text, 'cols.yaml', {}));
    expect(problem).toMatch(/^cols\.yaml: line 1, column 34: /);
  });

  it('treats an empty file as a config with no providers', () => {
    expect(problems(parseConfigText('', 'empty.yaml', {}))).toEqual(['providers: is required']);
    expect(problems(parseConfigText('# nothing yet\n', 'empty.yaml', {}))).toEqual([
      'providers: is required',
    ]);
  });

  it('rejects a document that is a list', async () => {
    expect(problems(await loadConfigFile(fixture('wrong-shape.yaml'), {}))).toEqual([
      'the config must be a mapping of sections, got a list',
    ]);
  });

  it('rejects several YAML documents in one file', () => {
    const [problem] = problems(parseConfigText('state: memory\n---\nstate: memory\n', 'multi.yaml', {}));
    expect(problem).toMatch(/^multi\.yaml: line 2, column 1: Source contains multiple documents/);
  });

  it('reports an alias without its anchor', () => {
    expect(problems(parseConfigText('state: *nowhere\n', 'alias.yaml', {}))[0]).toMatch(/^alias\.yaml: /);
  });
});
