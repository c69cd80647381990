/**
 * Where the input guard reads a Responses body (src/fronts/guarded-text.ts): the body as sent, which is
 * what an OpenAI target receives, items the normalized request leaves out included.
 *
 *   instructions                          → the system prompt (system_messages), its text
 *   input (string)                        → `input`
 *   message items, user (or no role)      → `input[i].content`, `input[i].content[j].text` (input_text)
 *   message items, system / developer     → a system prompt, its texts
 *   function_call_output                  → `input[i].output`, `input[i].output[j].text`
 *   any other item (custom_tool_call_output, mcp_call, file_search_call, an item type yet to come) and
 *   any part other than input_text, input_image and input_file: every string
 *   assistant messages and the model's own calls and reasoning → not read, as on /v1/chat/completions
 *   input_image, input_file               → not text
 */
import type { ChatRequest } from '../../protocol/chat-request.ts';
import {
  type GuardedTextReader,
  type GuardedTextVisitor,
  type PathKey,
  visitEveryString,
  visitField,
} from '../guarded-text.ts';
import { responsesRequestOf } from './request.ts';

type Json = Record<string, unknown>;

/** Items that hold the model's own output (calls it made, its reasoning), which the guard does not read. */
const MODEL_OWN_ITEMS: ReadonlySet<unknown> = new Set([
  'function_call',
  'reasoning',
  'custom_tool_call',
  'computer_call',
  'local_shell_call',
  'shell_call',
  'apply_patch_call',
  'web_search_call',
  'image_generation_call',
  'mcp_approval_request',
]);

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hasInstructions = (native: Json): boolean =>
  typeof native.instructions === 'string' && native.instructions !== '';

function isSystemItem(item: unknown): boolean {
  return (
    isRecord(item) &&
    (item.type === undefined || item.type === 'message') &&
    (item.role === 'system' || item.role === 'developer')
  );
}

function walk(native: Json, visitor: GuardedTextVisitor): void {
  const path: PathKey[] = [];
  if (hasInstructions(native)) {
    path.push('instructions');
    visitor.system(path);
    visitor.text(native.instructions as string, path, true);
    path.pop();
  }
  const input = native.input;
  path.push('input');
  if (typeof input === 'string') visitor.text(input, path, false);
  else if (Array.isArray(input))
    for (let i = 0; i < input.length; i++) {
      path.push(i);
      visitItem(input[i], path, visitor);
      path.pop();
    }
  path.pop();
}

function visitItem(item: unknown, path: PathKey[], visitor: GuardedTextVisitor): void {
  if (!isRecord(item)) {
    visitEveryString(item, path, visitor, false);
    return;
  }
  const type = item.type ?? 'message';
  if (type === 'message') {
    if (item.role === 'assistant') return;
    const system = isSystemItem(item);
    if (system) visitor.system(path);
    visitContent(item, 'content', path, visitor, system);
  } else if (type === 'function_call_output') visitContent(item, 'output', path, visitor, false);
  else if (!MODEL_OWN_ITEMS.has(type)) visitEveryString(item, path, visitor, false);
}

/** A message's content or a function output: a string, or parts. */
function visitContent(
  item: Json,
  key: string,
  path: PathKey[],
  visitor: GuardedTextVisitor,
  system: boolean,
): void {
  const content = item[key];
  if (!Array.isArray(content)) {
    visitField(item, key, path, visitor, system);
    return;
  }
  path.push(key);
  for (let j = 0; j < content.length; j++) {
    const part = content[j] as unknown;
    path.push(j);
    if (!isRecord(part)) visitEveryString(part, path, visitor, system);
    else if (part.type === 'input_text') visitField(part, 'text', path, visitor, system);
    else if (part.type !== 'input_image' && part.type !== 'input_file')
      visitEveryString(part, path, visitor, system);
    path.pop();
  }
  path.pop();
}

/** Instructions as the first user message, and system / developer items as user items where they are. */
function demoteSystem(native: Json): Json {
  let input = native.input;
  if (Array.isArray(input) && input.some(isSystemItem))
    input = input.map((item: unknown) => (isSystemItem(item) ? { ...(item as Json), role: 'user' } : item));
  if (!hasInstructions(native)) return input === native.input ? native : { ...native, input };
  const { instructions, ...rest } = native;
  const items = typeof input === 'string' ? [{ role: 'user', content: input }] : (input as unknown[]);
  return { ...rest, input: [{ role: 'user', content: instructions }, ...items] };
}

export const responsesGuardedText: GuardedTextReader = {
  walk,
  demoteSystem,
  translate: (native: Json): ChatRequest => responsesRequestOf(native).request,
};
