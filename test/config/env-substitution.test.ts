// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { describe, expect, it } from 'vitest';
import { protectReferences, substituteEnv, substituteString } from '../../src/config/env-substitution.ts';

describe('substituteString', () => {
  const env = { HOST: 'db.internal', PORT: '5432', EMPTY: '' };

  it('substitutes ${VAR} anywhere in a string', () => {
    expect(substituteString('postgres://${HOST}:${PORT}/x', env)).toMatchObject({
      value: 'postgres://db.internal:5432/x',
      variables: ['HOST', 'PORT'],
      unset: [],
    });
  });

  it('uses the default when the variable is unset or empty, like the shell', () => {
    expect(substituteString('${MISSING:-8787}', env).value).toBe('8787');
    expect(substituteString('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteString('${PORT:-1}', env).value).toBe('5432');
    expect(substituteString('${MISSING:-}', env).value).toBe('');
  });

  it('keeps an empty variable empty when there is no default', () => {
    expect(substituteString('a${EMPTY}b', env)).toMatchObject({ value: 'ab', unset: [] });
  });

  it('reports unset variables without a default', () => {
    expect(substituteString('${A}-${HOST}-${B}', env).unset).toEqual(['A', 'B']);
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    expect(substituteString('$${HOST} costs $5 and $$ ${HOST}', env).value).toBe(
      '${HOST} costs $5 and $$ db.internal',
    );
  });

  it('rejects malformed references, giving a position rather than the text', () => {
    expect(substituteString('sk-${HOST', env).error).toBe(
      'unterminated "${" at character 4 (write $${ for a literal ${)',
    );
    expect(substituteString('${1X}', env).error).toMatch(
      /^invalid substitution at character 1: expected \$\{NAME\}/,
    );
    expect(substituteString('${HOST:?x}', env).error).toMatch(/^invalid substitution/);
    expect(substituteString('${A:-${B}}', env).error).toBe(
      'nested substitution at character 1: a default is literal text',
    );
  });
});

describe('substituteEnv', () => {
  it('substitutes string values at every depth and records their paths', () => {
    const result = substituteEnv(
      {
        server: { port: '${PORT}' },
        providers: { openai: { keys: ['${KEY}', 'literal'] } },
        n: 5,
        b: true,
        z: null,
      },
      { PORT: '9000', KEY: 'sk-1' },
    );
    expect(result.value).toEqual({
      server: { port: '9000' },
      providers: { openai: { keys: ['sk-1', 'literal'] } },
      n: 5,
      b: true,
      z: null,
    });
    expect(result.substitutions).toEqual([
      { path: 'server.port', variables: ['PORT'] },
      { path: 'providers.openai.keys[0]', variables: ['KEY'] },
    ]);
    expect(result.issues).toEqual([]);
  });

  it('leaves mapping keys alone', () => {
    expect(substituteEnv({ '${KEY}': '${KEY}' }, { KEY: 'v' }).value).toEqual({ '${KEY}': 'v' });
  });

  it('reports an unset variable at its path', () => {
    const result = substituteEnv({ providers: { openai: { base_url: 'https://${HOST}/v1' } } }, {});
    expect(result.issues).toEqual([
      {
        path: 'providers.openai.base_url',
        message: 'environment variable HOST is not set (set it, or write ${HOST:-default})',
      },
    ]);
  });

  it('drops a list item that is exactly one unset or empty ${VAR}', () => {
    const result = substituteEnv(
      { keys: ['${OPENAI_API_KEY}', '${OPENAI_API_KEY_2}', '${OPENAI_API_KEY_3}'] },
      { OPENAI_API_KEY: 'sk-1', OPENAI_API_KEY_3: '' },
    );
    expect(result.value).toEqual({ keys: ['sk-1'] });
    expect(result.issues).toEqual([]);
    expect(result.dropped).toEqual([
      { listPath: 'keys', index: 1, variable: 'OPENAI_API_KEY_2', reason: 'unset' },
      { listPath: 'keys', index: 2, variable: 'OPENAI_API_KEY_3', reason: 'empty' },
    ]);
  });

  it('does not drop list items that are more than one bare reference', () => {
    const result = substituteEnv({ keys: ['prefix-${A}', '${B:-}'] }, {});
    expect(result.value).toEqual({ keys: ['prefix-${A}', ''] });
    expect(result.issues).toEqual([
      { path: 'keys[0]', message: 'environment variable A is not set (set it, or write ${A:-default})' },
    ]);
  });

  it('records paths with source indexes after a drop', () => {
    const result = substituteEnv({ keys: ['${GONE}', '${MISSING_TOO}x'] }, {});
    expect(result.issues.map((issue) => issue.path)).toEqual(['keys[1]']);
  });

  it('never puts a value in a message', () => {
    const result = substituteEnv({ a: '${SECRET}${', b: ['${SECRET}', '${NOPE}'] }, { SECRET: 'sk-hidden' });
    expect(JSON.stringify(result.issues)).not.toContain('sk-hidden');
  });

  it('keeps a "__proto__" key an ordinary key', () => {
    const document = JSON.parse('{"__proto__": {"polluted": "${X}"}}');
    const result = substituteEnv(document, { X: 'yes' });
    expect(Object.keys(result.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('protectReferences', () => {
  it('keeps the text the same length, so YAML error columns stay true', () => {
    const text = 'keys: [${A}, $${B}, ${C:-d}]\n';
    const references = protectReferences(text);
    expect(references.text).toHaveLength(text.length);
    expect(references.text).not.toContain('{');
    expect(references.restore(references.text)).toBe(text);
  });

  it('leaves text with no references as it is', () => {
    const references = protectReferences('a: 1\n');
    expect(references.text).toBe('a: 1\n');
    expect(references.restore('x')).toBe('x');
  });
});
