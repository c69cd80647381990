/**
 * A backend's result under a policy: what to do with the text. Several categories may fire; the
 * strictest action wins (block over redact over flag). A backend that could not answer counts as
 * flagged under every category when the policy fails closed (the default: flagged text is never
 * sent), and as a logged pass when it fails open.
 */
import type { ModerationAction } from '../../config/sections/guardrails.ts';
import type { ModerationPolicy } from '../policy.ts';
import type { FlaggedSpan, ModerationResult } from './types.ts';

export interface ModerationDecision {
  action: ModerationAction | 'pass';
  /** `S1,S10`, or `moderation_unavailable`, for the log. */
  rule: string;
  /** For `redact`: the spans to cut; empty means the whole text. */
  spans: readonly FlaggedSpan[];
}

const PASS: ModerationDecision = Object.freeze({ action: 'pass', rule: '', spans: [] });
const RANK: Readonly<Record<ModerationAction, number>> = { flag: 1, redact: 2, block: 3 };

export function decide(result: ModerationResult, policy: ModerationPolicy): ModerationDecision {
  if (result.unavailable === true) {
    return { action: policy.failClosed ? 'block' : 'flag', rule: 'moderation_unavailable', spans: [] };
  }
  if (result.categories.length === 0) return PASS;
  let action: ModerationAction = 'flag';
  for (const category of result.categories) {
    const categoryAction = policy.actions.get(category) ?? 'block';
    if (RANK[categoryAction] > RANK[action]) action = categoryAction;
  }
  // Redaction cuts only the spans of redacted categories; without spans the whole text goes.
  const spans =
    action === 'redact' ? result.spans.filter((span) => policy.actions.get(span.category) === 'redact') : [];
  return { action, rule: result.categories.join(','), spans };
}

export const REDACTION = '[redacted]';

/** The text with the spans replaced, or wholly replaced when there are none. */
export function redact(text: string, spans: readonly FlaggedSpan[]): string {
  if (spans.length === 0) return REDACTION;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const span of sorted) {
    if (span.end <= at) continue;
    out += text.slice(at, Math.max(at, span.start)) + REDACTION;
    at = span.end;
  }
  return out + text.slice(at);
}
