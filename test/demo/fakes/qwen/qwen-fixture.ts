// Starts a fake Qwen per test and hands back the official `openai` SDK pointed at it, configured as
// Alibaba's docs say (baseURL = https://dashscope-intl.aliyuncs.com/compatible-mode/v1).
import OpenAI from 'openai';
import { type QwenFakeOptions, startQwenFake } from '../../../../src/demo/fakes/qwen/index.ts';
import type { FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { stopAfterTest } from '../../../helpers/fake-lifecycle.ts';

export const API_KEY = 'sk-qwen-0123456789abcdef';

export async function startFake(
  options: QwenFakeOptions = {},
): Promise<{ fake: FakeServer; client: OpenAI }> {
  const fake = stopAfterTest(await startQwenFake({ clock: () => 1_767_225_600_000, ...options }));
  return {
    fake,
    client: new OpenAI({ baseURL: `${fake.url}/compatible-mode/v1`, apiKey: API_KEY, maxRetries: 0 }),
  };
}

/** Qwen's own fields go in the body next to OpenAI's (the Python SDK's `extra_body`). */
export type QwenExtras = { enable_thinking?: boolean; thinking_budget?: number; enable_search?: boolean };

export async function postRaw(fake: FakeServer, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.url}/compatible-mode/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
