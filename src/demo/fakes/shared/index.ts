/**
 * The fake-upstream toolkit, one import for every provider fake:
 *
 *   import { startFakeServer, planReply, splitTokens, sseFrame, type FakeRequestView } from '../shared/index.ts';
 *
 * Each file's header documents its part: reply-plan.ts (what to answer), tokens.ts (stream
 * pieces and counts), script.ts (per-request replies, latency, faults, chaos), fake-server.ts
 * (the HTTP shell and per-request helpers), sse-writer.ts, json-response.ts, fault-response.ts,
 * json-from-schema.ts, ids.ts, seeded-random.ts, abortable-sleep.ts.
 */
export { sleep, untilAborted } from './abortable-sleep.ts';
export { closeConnection, destroyedByFake, resetConnection } from './deliberate-destroy.ts';
export type {
  FakeBody,
  FakeExchange,
  FakeHandler,
  FakeRequestRecord,
  FakeServer,
  FakeServerOptions,
  SendEventsOptions,
  SendJsonOptions,
} from './fake-server.ts';
export { startFakeServer } from './fake-server.ts';
export type { EarlyFaultOptions, ProviderError, ProviderErrorFactory } from './fault-response.ts';
export { applyEarlyFault } from './fault-response.ts';
export { IdSource, stableId } from './ids.ts';
export { exampleFromSchema } from './json-from-schema.ts';
export { sendJson, sendJsonPaced } from './json-response.ts';
export type {
  FakeFinishReason,
  FakeReply,
  FakeReplyOverride,
  FakeRequestView,
  FakeResponseFormat,
  FakeTool,
  FakeToolCall,
  FakeToolCallOverride,
  FakeToolChoice,
  FakeUsage,
  PlanOptions,
} from './reply-plan.ts';
export { planReply } from './reply-plan.ts';
export type {
  FakeChaos,
  FakeFault,
  FakeLatency,
  FakeScript,
  LatencyMs,
  ResolvedScript,
  ScriptControllerOptions,
  WeightedFault,
} from './script.ts';
export {
  DEMO_LATENCY,
  FAKE_SCRIPT_HEADER,
  generationDelayMs,
  NO_LATENCY,
  ScriptController,
} from './script.ts';
export { SeededRandom } from './seeded-random.ts';
export type { SseFrameOptions, WriteEventsOptions, WriteEventsResult } from './sse-writer.ts';
export { sseFrame, writeEvents } from './sse-writer.ts';
export { countTokens, estimatePromptTokens, splitTokens, truncateTokens } from './tokens.ts';
