/**
 * Limits on a parsed request body that JSON.parse does not impose. JSON.parse reads any depth
 * iteratively, but what runs after it recurses: JSON.stringify of the upstream body overflowed the
 * stack at 5,000 levels (a 500, issue 10), and the JSON-schema converters for tool parameters recurse
 * as well. 64 levels is far past any real request (a tool schema rarely nests ten) and far below any
 * stack limit. JSON.parse also reads 1e400 as Infinity, which JSON.stringify would forward as `null`:
 * a number out of range is refused wherever it sits, rather than silently changed.
 */
import { nestingTooDeep, numberOutOfRange } from '../errors/codes.ts';
import { formatParam } from './chat-request.ts';

/** The deepest nesting accepted; the body itself is level 1, each array or object inside it one more. */
export const MAX_JSON_DEPTH = 64;

type Problem = 'too_deep' | 'out_of_range';

/** Throws a 400 naming the offending field; the walk never descends past `maxDepth`, so it is safe itself. */
export function checkJsonDepth(root: object, maxDepth = MAX_JSON_DEPTH): void {
  const path: PropertyKey[] = [];
  const problem = visit(root, 1, maxDepth, path);
  if (problem === 'too_deep') throw nestingTooDeep(formatParam(path.slice(0, 1)), maxDepth);
  if (problem === 'out_of_range') throw numberOutOfRange(formatParam(path));
}

/** On a problem, `path` is left pointing at it; otherwise it is as it was on entry. */
function visit(value: object, depth: number, maxDepth: number, path: PropertyKey[]): Problem | undefined {
  if (depth > maxDepth) return 'too_deep';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = visitChild(value[i], i, depth, maxDepth, path);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const fields = value as Record<string, unknown>;
  for (const key in fields) {
    const problem = visitChild(fields[key], key, depth, maxDepth, path);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function visitChild(
  child: unknown,
  key: PropertyKey,
  depth: number,
  maxDepth: number,
  path: PropertyKey[],
): Problem | undefined {
  if (typeof child === 'number') {
    if (Number.isFinite(child)) return undefined;
    path.push(key);
    return 'out_of_range';
  }
  if (child === null || typeof child !== 'object') return undefined;
  path.push(key);
  const problem = visit(child, depth + 1, maxDepth, path);
  if (problem === undefined) path.pop();
  return problem;
}
