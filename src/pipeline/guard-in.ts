/**
 * The input guard (docs/design.md §2, after validation, before limits): the tenant's prompt-injection
 * policy over everything a client can smuggle instructions into: user content (quoted documents
 * included), tool results and legacy function results. System and developer messages are the client's
 * own instructions; a tenant can lock them (`system_messages: refuse | demote`).
 *
 * - `off`: nothing runs. `flag`: every finding is logged with its rule, the request goes on unchanged.
 * - `strip`: the offending spans go (guardrails/injection/detect.ts), the rest of the message stays.
 * - `block`: 400 `prompt_injection_detected` naming the message; nothing reaches an upstream.
 *
 * A request with more than `guardrails.max_messages` messages is refused first (hardening: the work one
 * request can ask of this and every later stage is bounded).
 *
 * Synchronous and allocation-free for clean requests: the request object is copied only when a
 * message changes.
 */
import { promptInjectionDetected, systemMessageNotAllowed, tooManyMessages } from '../errors/codes.ts';
import { firstInjection, stripAllInjections } from '../guardrails/injection/detect.ts';
import { guardrailsPolicyFor } from '../guardrails/policy.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { RequestContext } from './context.ts';

type Message = ChatRequest['messages'][number];

/** Roles whose text may carry someone else's instructions. */
const GUARDED_ROLES: ReadonlySet<string> = new Set(['user', 'tool', 'function']);
const SYSTEM_ROLES: ReadonlySet<string> = new Set(['system', 'developer']);
/** What a message stripped down to nothing says instead: some providers refuse an empty text block. */
export const STRIPPED_PLACEHOLDER = '[removed by the gateway: prompt injection]';

export function guardInput(ctx: RequestContext): void {
  const request = ctx.request;
  if (request === undefined) return;
  const policy = guardrailsPolicyFor(ctx.snapshot.config, ctx.tenant);
  ctx.guardrails = policy;
  const limit = ctx.snapshot.config.guardrails.max_messages;
  if (request.messages.length > limit) throw tooManyMessages(request.messages.length, limit);
  const mode = policy.injection;
  const lockSystem = policy.systemMessages !== 'allow';
  if (mode === 'off' && !lockSystem) return;

  let messages: Message[] | undefined;
  const original = request.messages;
  for (let i = 0; i < original.length; i++) {
    const message = original[i] as Message;
    if (lockSystem && SYSTEM_ROLES.has(message.role)) {
      const where = `messages[${i}]`;
      if (policy.systemMessages === 'refuse') {
        ctx.guardVerdicts.push({ guard: 'input', rule: 'system_message_locked', action: 'refuse', where });
        throw systemMessageNotAllowed(where);
      }
      ctx.guardVerdicts.push({ guard: 'input', rule: 'system_message_locked', action: 'demote', where });
      messages ??= original.slice();
      messages[i] = { role: 'user', content: message.content } as Message;
      continue;
    }
    if (mode === 'off' || !GUARDED_ROLES.has(message.role)) continue;
    const content = message.content;
    if (typeof content === 'string') {
      const replaced = guardText(ctx, content, `messages[${i}].content`);
      if (replaced !== undefined) {
        messages ??= original.slice();
        messages[i] = { ...message, content: replaced } as Message;
      }
    } else if (Array.isArray(content)) {
      let parts: typeof content | undefined;
      for (let p = 0; p < content.length; p++) {
        const part = content[p] as { type: string; text?: unknown };
        if (part.type !== 'text' || typeof part.text !== 'string') continue;
        const replaced = guardText(ctx, part.text, `messages[${i}].content[${p}].text`);
        if (replaced !== undefined) {
          parts ??= content.slice() as typeof content;
          (parts as unknown[])[p] = { ...part, text: replaced };
        }
      }
      if (parts !== undefined) {
        messages ??= original.slice();
        messages[i] = { ...message, content: parts } as Message;
      }
    }
  }
  if (messages !== undefined) ctx.request = { ...request, messages };
}

/** Undefined when the text stays as it is; the replacement under `strip`. Throws under `block`. */
function guardText(ctx: RequestContext, text: string, where: string): string | undefined {
  const mode = ctx.guardrails?.injection;
  if (mode === 'strip') {
    const { text: stripped, findings } = stripAllInjections(text);
    if (findings.length === 0) return undefined;
    for (const finding of findings)
      ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'strip', where });
    return stripped === '' ? STRIPPED_PLACEHOLDER : stripped;
  }
  const finding = firstInjection(text);
  if (finding === undefined) return undefined;
  if (mode === 'block') {
    ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'block', where });
    throw promptInjectionDetected(where, finding.rule);
  }
  ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'flag', where });
  return undefined;
}
