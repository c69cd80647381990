// zod issues as config issues: a path into the YAML and a message in our
// words. Messages name keys, types and allowed values, never a configured
// value (errors.ts says why).

import { z } from 'zod';
import type { ConfigIssue, PathSegment } from './errors.ts';
import { didYouMean, formatPath } from './errors.ts';

/**
 * The message for one raw zod issue, passed as the parse's `error` option. `knownKeys` collects
 * each strict object's allowed keys by path, for fromZodIssue's unknown-key hints.
 */
export function messageFor(
  issue: z.core.$ZodRawIssue,
  knownKeys: Map<string, readonly string[]>,
): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
      return `must be ${expectedType(issue.expected)}, got ${describe(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') {
        return issue.minimum === 1 ? 'must not be empty' : `must have at least ${issue.minimum} items`;
      }
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive === false
        ? `must be greater than ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.inclusive === false
        ? `must be less than ${issue.maximum}`
        : `must be at most ${issue.maximum}`;
    case 'invalid_value': {
      const options = issue.values.map(String);
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, options) : '';
      return `must be one of: ${options.join(', ')}${hint}`;
    }
    case 'unrecognized_keys':
      // The message is built per key in fromZodIssue; only the schema knows the allowed keys.
      if (issue.inst instanceof z.ZodObject) {
        knownKeys.set(formatPath(toSegments(issue.path ?? [])), Object.keys(issue.inst.shape));
      } else if (issue.inst instanceof z.ZodRecord && issue.inst.keyType instanceof z.ZodEnum) {
        // A partial record over a closed set of names (moderation categories).
        knownKeys.set(formatPath(toSegments(issue.path ?? [])), issue.inst.keyType.options.map(String));
      }
      return 'unknown key';
    case 'invalid_union': {
      // No alternative took the value's type: name them all (a value reaching into one is reported
      // from inside it, by fromZodIssue).
      const forms = issue.errors.map(formOf);
      if (forms.every((form) => form !== undefined))
        return `must be ${forms.join(' or ')}, got ${describe(issue.input)}`;
      return undefined;
    }
    default:
      return undefined;
  }
}

export function fromZodIssue(
  issue: z.core.$ZodIssue,
  knownKeys: Map<string, readonly string[]>,
): ConfigIssue[] {
  const path = toSegments(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = knownKeys.get(formatPath(path)) ?? [];
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: unknownKeyMessage(key, allowed, path.length === 0),
    }));
  }
  if (issue.code === 'invalid_union') {
    // One alternative took the value's type (a mapping, say) and found something wrong inside it: its
    // own issues say what, where "Invalid input" on the parent would not.
    const reached = issue.errors.filter((branch) => formOf(branch) === undefined);
    if (reached.length === 1)
      // Without the allowed keys of objects inside it: those were noted under paths relative to the union.
      return (reached[0] ?? []).flatMap((inner) =>
        fromZodIssue({ ...inner, path: [...issue.path, ...inner.path] }, new Map()),
      );
  }
  if (issue.code === 'invalid_key') {
    return [{ path: formatPath(path), message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path: formatPath(path), message: issue.message }];
}

/**
 * What one alternative of a union accepts, when it refused the value for its type or literal alone (its
 * only issue, at the value itself); undefined when it looked inside.
 */
function formOf(branch: readonly z.core.$ZodIssue[]): string | undefined {
  const only = branch.length === 1 ? branch[0] : undefined;
  if (only === undefined || only.path.length > 0) return undefined;
  if (only.code === 'invalid_type') return expectedType(only.expected);
  if (only.code === 'invalid_value') return only.values.map((value) => JSON.stringify(value)).join(' or ');
  return undefined;
}

// Config documents come from YAML, so their paths never hold symbols.
function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
}

function unknownKeyMessage(key: string, allowed: readonly string[], topLevel: boolean): string {
  const what = topLevel ? 'unknown section' : 'unknown key';
  const hint = didYouMean(key, allowed);
  if (hint !== '') return `${what}${hint}`;
  if (allowed.length === 0) return what;
  return `${what} (${topLevel ? 'sections' : 'allowed keys'}: ${allowed.join(', ')})`;
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    default:
      return expected;
  }
}

// Names the kind of a value, never the value: it may be a secret.
export function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}
