// Config text to a validated Config: YAML, then environment substitution, then
// the schema. Every problem found is reported in one go.

import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { LineCounter, parseDocument } from 'yaml';
import type { DroppedItem, Env, SubstitutionResult } from './env-substitution.ts';
import { protectReferences, substituteEnv } from './env-substitution.ts';
import type { ConfigIssue } from './errors.ts';
import { inDocumentOrder } from './errors.ts';
import type { ConfigResult } from './schema.ts';
import { validateConfig } from './schema.ts';

export type { ConfigIssue } from './errors.ts';
export type LoadResult = ConfigResult;

export async function loadConfigFile(path: string, env: Env): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // Reported as an issue rather than thrown: a missing or unreadable file is a config problem like any other.
    return { ok: false, errors: [readIssue(path, error)] };
  }
  return parseConfig(text, path, env);
}

/**
 * Large configs are parsed on a worker thread. The YAML parser takes about 2 s per MB (the bench's
 * 10,000-tenant config: 2 MB, 3.4–4 s); on the main thread a reload would stall every request and
 * stream in flight for that long. Small configs, the usual case, are parsed inline: a worker costs more
 * to start than they take to parse. Both paths run the same parseConfigText. The threshold is about
 * 30 ms of parsing: below it a reload's pause goes unnoticed. (Either way the process keeps the memory
 * the parse touched: ~300 MB of RSS after loading that 2 MB config, for 30 MB of live heap.)
 */
export const OFF_THREAD_MIN_BYTES = 16 * 1024;

export function parseConfig(text: string, sourceName: string, env: Env): Promise<LoadResult> {
  if (text.length < OFF_THREAD_MIN_BYTES) return Promise.resolve(parseConfigText(text, sourceName, env));
  return parseConfigTextOffThread(text, sourceName, env);
}

function parseConfigTextOffThread(text: string, sourceName: string, env: Env): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), {
      workerData: { text, sourceName, env: { ...env } },
    });
    let settled = false;
    worker.once('message', (result: LoadResult) => {
      settled = true;
      resolve(result);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the config parser thread exited with code ${code}`));
    });
  });
}

export function parseConfigText(text: string, sourceName: string, env: Env): LoadResult {
  const references = protectReferences(text);
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending line, which may hold a key.
  const document = parseDocument(references.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxProblems = [...document.errors, ...document.warnings];
  if (syntaxProblems.length > 0) {
    return {
      ok: false,
      errors: syntaxProblems.map((problem) => {
        const { line, col } = lineCounter.linePos(problem.pos[0]);
        return { path: sourceName, message: `line ${line}, column ${col}: ${problem.message}` };
      }),
    };
  }

  let parsed: unknown;
  try {
    parsed = document.toJS();
  } catch (error) {
    // toJS throws for an alias without its anchor, or too many aliases (a "billion laughs" document).
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ path: sourceName, message }] };
  }

  const substituted = substituteEnv(parsed, env, references.restore);
  const validated = validateConfig(substituted.value);
  if (validated.ok && substituted.issues.length === 0) return validated;

  const envIssuePaths = substituted.issues.map((issue) => issue.path);
  const schemaIssues = validated.ok ? [] : validated.errors;
  const errors = [
    ...substituted.issues,
    ...schemaIssues
      .map((issue) => ({ path: toSourcePath(issue.path, substituted), message: issue.message }))
      // A value that failed substitution still holds its "${…}" text; the schema's complaint about it is noise.
      .filter((issue) => !envIssuePaths.some((path) => isWithin(issue.path, path)))
      .map((issue) => explain(issue, substituted)),
  ];
  // `parsed` numbers list items as the file does, as do the paths above.
  return { ok: false, errors: inDocumentOrder(errors, parsed) };
}

// Dropped list items shift later indexes; report paths as the user's file numbers them.
function toSourcePath(path: string, substituted: SubstitutionResult): string {
  const droppedByList = new Map<string, number[]>();
  for (const item of substituted.dropped) {
    const indexes = droppedByList.get(item.listPath) ?? [];
    indexes.push(item.index);
    droppedByList.set(item.listPath, indexes);
  }
  // Outer lists first: inner list paths were recorded with source indexes.
  const lists = [...droppedByList.keys()].sort((a, b) => a.length - b.length);
  let result = path;
  for (const listPath of lists) {
    const prefix = `${listPath}[`;
    if (!result.startsWith(prefix)) continue;
    const close = result.indexOf(']', prefix.length);
    const index = Number(result.slice(prefix.length, close));
    if (close === -1 || !Number.isInteger(index)) continue;
    const source = sourceIndex(index, droppedByList.get(listPath) ?? []);
    result = `${prefix}${source}${result.slice(close)}`;
  }
  return result;
}

function sourceIndex(index: number, dropped: readonly number[]): number {
  let source = index;
  for (const droppedIndex of [...dropped].sort((a, b) => a - b)) {
    if (droppedIndex <= source) source++;
  }
  return source;
}

function explain(issue: ConfigIssue, substituted: SubstitutionResult): ConfigIssue {
  const droppedHere = substituted.dropped.filter((item) => item.listPath === issue.path);
  if (droppedHere.length > 0) {
    const state = (reason: DroppedItem['reason']) => (reason === 'unset' ? 'not set' : 'empty');
    const names = droppedHere.map((item) => `\${${item.variable}}`);
    const reasons = new Set(droppedHere.map((item) => item.reason));
    const [only] = reasons;
    const why =
      reasons.size === 1 && only !== undefined
        ? `${names.join(' and ')} ${names.length === 1 ? 'is' : 'are'} ${state(only)}`
        : droppedHere.map((item, index) => `${names[index]} is ${state(item.reason)}`).join(', ');
    return { path: issue.path, message: `${issue.message} (dropped from the list: ${why})` };
  }
  const substitution = substituted.substitutions.find((item) => item.path === issue.path);
  if (substitution !== undefined) {
    const names = substitution.variables.map((name) => `\${${name}}`).join(', ');
    return { path: issue.path, message: `${issue.message} (the value comes from ${names})` };
  }
  return issue;
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

/** The issue for a config file that could not be read. */
export function readIssue(path: string, error: unknown): ConfigIssue {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return { path, message: 'config file not found' };
  if (code === 'EACCES') return { path, message: 'config file is not readable (permission denied)' };
  if (code === 'EISDIR') return { path, message: 'is a directory, not a config file' };
  return {
    path,
    message: `cannot read config file: ${error instanceof Error ? error.message : String(error)}`,
  };
}
