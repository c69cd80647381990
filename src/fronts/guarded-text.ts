/**
 * The input guard's reading of a front's own body (pipeline/guard-in.ts). A front request may go
 * upstream as the client sent it (a passthrough), parts the normalized request leaves out included
 * (untranslatable.ts), so the guard reads that body rather than the normalized request: every text it
 * guards, at its place in the client's own terms (`input[2].output`, `messages[1].content[0].content`).
 * What the guard changes (a stripped sentence, a demoted system prompt) is applied to that body, and the
 * normalized request is translated again from the result, so every target gets the same guarded request.
 *
 * Each front says where the guarded text is in its protocol (`<front>/guarded-text.ts`); whatever it does
 * not know (a block type it has never seen, a tool result of an unexpected shape) is read whole, every
 * string in it (`visitEveryString`): what the guard cannot interpret it reads rather than skips.
 * Images and files (base64 data, URLs, file ids) are not text, as on /v1/chat/completions.
 */
import type { ChatRequest } from '../protocol/chat-request.ts';

export type PathKey = string | number;
/** A place in the client's body; the walker's own stack, valid only during the call it is passed to. */
export type BodyPath = readonly PathKey[];

export interface GuardedTextVisitor {
  /** A system prompt at `path` (`system`, `instructions`, a system item); its texts follow. */
  system(path: BodyPath): void;
  /** One text at `path`; `system` marks the text of a system prompt. */
  text(text: string, path: BodyPath, system: boolean): void;
}

export interface GuardedTextReader {
  /** Every system prompt and every guarded text of the client's body, in order. */
  walk(native: Record<string, unknown>, visitor: GuardedTextVisitor): void;
  /** The body with its system prompts sent as user turns instead (`system_messages: demote`). */
  demoteSystem(native: Record<string, unknown>): Record<string, unknown>;
  /** The normalized request of an edited body: the same translation the front's `parse` runs. */
  translate(native: Record<string, unknown>): ChatRequest;
}

/** One text the guard rewrote (`injection: strip`), at its place in the client's body. */
export interface TextReplacement {
  path: readonly PathKey[];
  text: string;
}

/**
 * The body with each replacement made, as a copy: only the objects and arrays on a replaced text's path
 * are copied, and the client's body is left as it came (a request is never edited in place).
 */
export function withReplacements(
  native: Record<string, unknown>,
  replacements: readonly TextReplacement[],
): Record<string, unknown> {
  const out: Record<PropertyKey, unknown> = { ...native };
  const copies = new Set<object>([out]);
  for (const { path, text } of replacements) {
    let node = out;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i] as PathKey;
      let child = node[key] as Record<PropertyKey, unknown>;
      if (!copies.has(child)) {
        child = (Array.isArray(child) ? child.slice() : { ...child }) as Record<PropertyKey, unknown>;
        copies.add(child);
        node[key] = child;
      }
      node = child;
    }
    node[path[path.length - 1] as PathKey] = text;
  }
  return out;
}

/**
 * Fields of an unknown part that hold no text a model reads as such: its discriminator, ids that pair
 * calls with results, and the opaque state a provider signs or encrypts (which a client cannot forge).
 */
const OPAQUE_FIELDS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'tool_use_id',
  'call_id',
  'signature',
  'encrypted_content',
  'encrypted_index',
  'cache_control',
]);

/** Reads a part the front does not know: every string in it, at any depth, but the opaque fields. */
export function visitEveryString(
  value: unknown,
  path: PathKey[],
  visitor: GuardedTextVisitor,
  system: boolean,
): void {
  if (typeof value === 'string') {
    visitor.text(value, path, system);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      visitEveryString(value[i], path, visitor, system);
      path.pop();
    }
    return;
  }
  for (const key of Object.keys(value)) {
    if (OPAQUE_FIELDS.has(key)) continue;
    path.push(key);
    visitEveryString((value as Record<string, unknown>)[key], path, visitor, system);
    path.pop();
  }
}

/** A text at `path[…, key]`, when it is one; anything else under the key is read whole. */
export function visitField(
  parent: Record<string, unknown>,
  key: string,
  path: PathKey[],
  visitor: GuardedTextVisitor,
  system: boolean,
): void {
  const value = parent[key];
  if (value === undefined || value === null) return;
  path.push(key);
  visitEveryString(value, path, visitor, system);
  path.pop();
}
