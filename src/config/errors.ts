// Config problems as users see them: a path into the YAML and a message.
// Messages never quote a configured value (it may be an API key or a
// credentialed URL); they name keys, types, variables and allowed values.

export type ConfigIssue = { path: string; message: string };

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `['models', 'gpt-4.1', 'targets', 1]` → `models["gpt-4.1"].targets[1]` */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** The candidate a typo most likely meant, if any is close enough to suggest. */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const lowered = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    // "timeout" for "timeout_ms": a unit suffix left out is the commonest slip.
    const distance = lowered.length >= 3 && other.startsWith(lowered) ? 1 : editDistance(lowered, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the length lets "provider"→"providers" and "claud"→"claude"
  // through without suggesting "qwen" for "gemini".
  const allowed = Math.max(1, Math.floor(input.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("prot" is one step from "port").
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * Sorts issues the way the document reads, top to bottom, so a user can fix
 * them in one pass. An issue about a missing key sorts with its parent.
 */
export function inDocumentOrder(issues: readonly ConfigIssue[], document: unknown): ConfigIssue[] {
  const order = new Map<string, number>();
  const visit = (value: unknown, segments: PathSegment[]): void => {
    order.set(formatPath(segments), order.size);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, [...segments, index]);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...segments, key]);
    }
  };
  visit(document, []);
  const position = (path: string): number => {
    const exact = order.get(path);
    if (exact !== undefined) return exact;
    for (let end = path.length - 1; end > 0; end--) {
      if (path[end] !== '.' && path[end] !== '[') continue;
      const ancestor = order.get(path.slice(0, end));
      if (ancestor !== undefined) return ancestor + 0.5;
    }
    return order.get('') ?? 0;
  };
  return issues
    .map((issue, index) => ({ issue, index, at: position(issue.path) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map((entry) => entry.issue);
}
