import type { ChildProcess } from 'node:child_process';
import type OpenAI from 'openai';

/**
 * Streams a completion from `model` and sends `signal` to the gateway process as soon as the first
 * chunk has arrived, so the signal lands mid-stream; returns the text the stream reassembled to.
 */
export async function streamSignallingMidway(
  client: OpenAI,
  model: string,
  child: ChildProcess,
  signal: NodeJS.Signals,
): Promise<string> {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let text = '';
  let signalled = false;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (!signalled) {
      child.kill(signal);
      signalled = true;
    }
  }
  return text;
}
