/**
 * Where the input guard reads a Messages body (src/fronts/guarded-text.ts): the body as sent, which is
 * what an Anthropic target receives, blocks the normalized request leaves out included.
 *
 *   system (string | text blocks)          → the system prompt (system_messages), its texts
 *   user string content, text blocks       → `messages[i].content`, `messages[i].content[j].text`
 *   document: text / content sources, title, context  → `….source.data`, `….source.content[k].text`, …
 *   tool_result content (string | blocks)  → `….content`, `….content[k].text`, documents in it as above
 *   any other block of a user turn (search_result, container_upload, a type yet to come): every string
 *   assistant blocks of the model's own (text, tool_use, thinking) → not read, as on /v1/chat/completions;
 *   any other assistant block (web_fetch_tool_result and the other server-tool results): every string
 *   images, base64 (PDF) / url / file document sources → not text
 */
import type { ChatRequest } from '../../protocol/chat-request.ts';
import {
  type GuardedTextReader,
  type GuardedTextVisitor,
  type PathKey,
  visitEveryString,
  visitField,
} from '../guarded-text.ts';
import { messagesRequestOf } from './request.ts';

type Json = Record<string, unknown>;

/** Assistant blocks that hold the model's own words and calls, which the guard does not read. */
const MODEL_OWN_BLOCKS: ReadonlySet<unknown> = new Set([
  'text',
  'tool_use',
  'server_tool_use',
  'mcp_tool_use',
  'thinking',
  'redacted_thinking',
]);

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A system prompt the normalized request would carry: a non-empty string or list of blocks. */
function hasSystemPrompt(system: unknown): boolean {
  return typeof system === 'string' ? system !== '' : Array.isArray(system) && system.length > 0;
}

function walk(native: Json, visitor: GuardedTextVisitor): void {
  const path: PathKey[] = [];
  if (hasSystemPrompt(native.system)) {
    path.push('system');
    visitor.system(path);
    visitContent(native.system, path, visitor, true);
    path.pop();
  }
  const messages = native.messages;
  if (!Array.isArray(messages)) return;
  path.push('messages');
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as unknown;
    if (!isRecord(message)) continue;
    path.push(i, 'content');
    if (message.role !== 'assistant') visitContent(message.content, path, visitor, false);
    else if (Array.isArray(message.content)) {
      const blocks = message.content as unknown[];
      for (let j = 0; j < blocks.length; j++) {
        const block = blocks[j];
        if (isRecord(block) && MODEL_OWN_BLOCKS.has(block.type)) continue;
        path.push(j);
        visitBlock(block, path, visitor, false);
        path.pop();
      }
    }
    path.pop();
    path.pop();
  }
  path.pop();
}

/** Content as Anthropic takes it in a turn, a tool result or a content document: a string or blocks. */
function visitContent(content: unknown, path: PathKey[], visitor: GuardedTextVisitor, system: boolean): void {
  if (!Array.isArray(content)) {
    visitEveryString(content, path, visitor, system);
    return;
  }
  for (let j = 0; j < content.length; j++) {
    path.push(j);
    visitBlock(content[j], path, visitor, system);
    path.pop();
  }
}

function visitBlock(block: unknown, path: PathKey[], visitor: GuardedTextVisitor, system: boolean): void {
  if (!isRecord(block)) {
    visitEveryString(block, path, visitor, system);
    return;
  }
  switch (block.type) {
    case 'text':
      visitField(block, 'text', path, visitor, system);
      return;
    case 'image':
      return;
    case 'document':
      visitDocument(block, path, visitor, system);
      return;
    case 'tool_result':
      path.push('content');
      visitContent(block.content, path, visitor, system);
      path.pop();
      return;
    default:
      visitEveryString(block, path, visitor, system);
  }
}

function visitDocument(block: Json, path: PathKey[], visitor: GuardedTextVisitor, system: boolean): void {
  const source = block.source;
  path.push('source');
  if (!isRecord(source)) visitEveryString(source, path, visitor, system);
  else if (source.type === 'text') visitField(source, 'data', path, visitor, system);
  else if (source.type === 'content') {
    path.push('content');
    visitContent(source.content, path, visitor, system);
    path.pop();
  } else if (source.type !== 'base64' && source.type !== 'url' && source.type !== 'file')
    visitEveryString(source, path, visitor, system);
  path.pop();
  visitField(block, 'title', path, visitor, system);
  visitField(block, 'context', path, visitor, system);
}

/** The system prompt as the first user turn, blocks (and their cache_control) as they were. */
function demoteSystem(native: Json): Json {
  const { system, ...rest } = native;
  if (!hasSystemPrompt(system)) return native;
  const messages = Array.isArray(native.messages) ? (native.messages as unknown[]) : [];
  // Anthropic joins consecutive user turns, so this and a first user turn after it make one turn.
  return { ...rest, messages: [{ role: 'user', content: system }, ...messages] };
}

export const messagesGuardedText: GuardedTextReader = {
  walk,
  demoteSystem,
  translate: (native: Json): ChatRequest => messagesRequestOf(native).request,
};
