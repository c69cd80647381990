// `${VAR}` and `${VAR:-default}` in the config's string values.
//
// Substitution runs on the parsed document, never on the YAML text, so a
// variable's value is always exactly one string: it cannot add keys, close a
// quote or start a list. Mapping keys are left alone.
//
// Rules (docs/configuration.md repeats them for users):
// - `${VAR}` is VAR's value; set to "" it is "". Unset is an error at that path,
//   except for the list rule below.
// - `${VAR:-default}` is the default when VAR is unset or empty, like the shell.
//   The default is literal text: no nested `${…}` inside it.
// - `$${` is a literal `${`. Any other `$` is literal.
// - A list item that is exactly `${VAR}`, with VAR unset or empty, is dropped
//   from its list. That is how optional extra keys work:
//   `keys: [${OPENAI_API_KEY}, ${OPENAI_API_KEY_2}]`.
//
// That example is not valid YAML as written: inside [ ] and { }, YAML reads
// "{" and "}" as flow syntax. protectReferences swaps each reference in the
// text for an opaque placeholder of the same length before parsing (so error
// columns stay true), and the walk below swaps the original text back into
// each parsed string. Placeholders hold no YAML syntax and nothing is
// substituted at that stage, so a value still cannot inject YAML.

import type { ConfigIssue, PathSegment } from './errors.ts';
import { formatPath } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** A string value that had variables substituted (path as in the source document). */
export type Substitution = { path: string; variables: string[] };

/** A list item dropped by the list rule; `index` is its position in the source list. */
export type DroppedItem = { listPath: string; index: number; variable: string; reason: 'unset' | 'empty' };

export type SubstitutionResult = {
  value: unknown;
  substitutions: Substitution[];
  dropped: DroppedItem[];
  issues: ConfigIssue[];
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const SOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export type ProtectedText = { text: string; restore(value: string): string };

const REFERENCE = /\$\$\{[^}\r\n]*\}?|\$\{[^}\r\n]*\}/g;
const PLACEHOLDER_START = '\uE000';
const PLACEHOLDER_FILL = '\uE001';
// Private-use characters: YAML treats them as ordinary text in every context.
const FIRST_INDEX_CHAR = 0xe100;
const LAST_INDEX_CHAR = 0xf8ff;
const PLACEHOLDER = /\uE000([\uE100-\uF8FF])\uE001*/g;

/** Hides `${…}` from the YAML parser; see the note at the top of this file. */
export function protectReferences(text: string): ProtectedText {
  if (text.includes(PLACEHOLDER_START)) return { text, restore: (value) => value };
  const originals: string[] = [];
  const protectedText = text.replace(REFERENCE, (reference) => {
    if (FIRST_INDEX_CHAR + originals.length > LAST_INDEX_CHAR) return reference;
    const indexChar = String.fromCharCode(FIRST_INDEX_CHAR + originals.length);
    originals.push(reference);
    return PLACEHOLDER_START + indexChar + PLACEHOLDER_FILL.repeat(reference.length - 2);
  });
  return {
    text: protectedText,
    restore: (value) =>
      value.includes(PLACEHOLDER_START)
        ? value.replace(PLACEHOLDER, (placeholder, indexChar: string) => {
            return originals[indexChar.charCodeAt(0) - FIRST_INDEX_CHAR] ?? placeholder;
          })
        : value,
  };
}

/**
 * Substitutes every string value of a parsed document. `restore` undoes
 * protectReferences on each string and mapping key first.
 */
export function substituteEnv(
  document: unknown,
  env: Env,
  restore: (value: string) => string = (value) => value,
): SubstitutionResult {
  const result: SubstitutionResult = { value: undefined, substitutions: [], dropped: [], issues: [] };
  result.value = walk(document, [], { env, restore, result });
  return result;
}

type WalkContext = { env: Env; restore: (value: string) => string; result: SubstitutionResult };

function walk(value: unknown, path: PathSegment[], context: WalkContext): unknown {
  const { env, restore, result } = context;
  if (typeof value === 'string') return substituteValue(restore(value), path, env, result);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    value.forEach((item, index) => {
      const variable = typeof item === 'string' ? SOLE_REFERENCE.exec(restore(item))?.[1] : undefined;
      const resolved = variable === undefined ? undefined : env[variable];
      if (variable !== undefined && (resolved === undefined || resolved === '')) {
        const reason = resolved === undefined ? 'unset' : 'empty';
        result.dropped.push({ listPath: formatPath(path), index, variable, reason });
        return;
      }
      items.push(walk(item, [...path, index], context));
    });
    return items;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [protectedKey, item] of Object.entries(value)) {
      const key = restore(protectedKey);
      // A YAML key "__proto__" must stay an ordinary key (and fail validation as unknown).
      Object.defineProperty(out, key, {
        value: walk(item, [...path, key], context),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function substituteValue(text: string, path: PathSegment[], env: Env, result: SubstitutionResult): string {
  const parsed = substituteString(text, env);
  if (parsed.variables.length > 0) {
    result.substitutions.push({ path: formatPath(path), variables: parsed.variables });
  }
  if (parsed.error !== undefined) {
    result.issues.push({ path: formatPath(path), message: parsed.error });
    return text;
  }
  if (parsed.unset.length > 0) {
    const list = parsed.unset.join(', ');
    const message =
      parsed.unset.length === 1
        ? `environment variable ${list} is not set (set it, or write \${${list}:-default})`
        : `environment variables ${list} are not set`;
    result.issues.push({ path: formatPath(path), message });
    return text;
  }
  return parsed.value;
}

type Parsed = { value: string; variables: string[]; unset: string[]; error: string | undefined };

/** Substitutes one string. Exported for tests; use substituteEnv on documents. */
export function substituteString(text: string, env: Env): Parsed {
  const parsed: Parsed = { value: '', variables: [], unset: [], error: undefined };
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      value += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      value += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    // Error messages give the position, not the text: it may hold a secret.
    const where = `at character ${dollar + 1}`;
    if (close === -1) {
      parsed.error = `unterminated "\${" ${where} (write $\${ for a literal \${)`;
      return parsed;
    }
    const inner = text.slice(dollar + 2, close);
    const name = NAME.exec(inner)?.[0];
    const rest = name === undefined ? inner : inner.slice(name.length);
    if (name === undefined || (rest !== '' && !rest.startsWith(':-'))) {
      parsed.error = `invalid substitution ${where}: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`;
      return parsed;
    }
    const fallback = rest === '' ? undefined : rest.slice(2);
    if (fallback?.includes('${')) {
      parsed.error = `nested substitution ${where}: a default is literal text`;
      return parsed;
    }
    parsed.variables.push(name);
    const resolved = env[name];
    if (fallback !== undefined && (resolved === undefined || resolved === '')) value += fallback;
    else if (resolved === undefined) parsed.unset.push(name);
    else value += resolved;
    i = close + 1;
  }
  parsed.value = value;
  return parsed;
}
