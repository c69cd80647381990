/**
 * One guardrail decision, as it goes into the request's log line (`guardrails` field): which guard,
 * which rule or category fired, what was done and where. Never the matched text: it may hold the very
 * content the guard kept from the model or the client.
 */
export interface GuardVerdict {
  guard: 'input' | 'output';
  /** The injection rule name (guardrails/injection/rules.ts) or the hazard categories (`S1,S10`). */
  rule: string;
  /** flag (logged only), strip, block, redact, refuse (a locked system message), demote. */
  action: 'flag' | 'strip' | 'block' | 'redact' | 'refuse' | 'demote';
  /**
   * `messages[2].content` for the input (in the client's own terms on /v1/messages and /v1/responses:
   * `input[2].output`); `choices[0]` or the moderation backend for the output.
   */
  where: string;
}
