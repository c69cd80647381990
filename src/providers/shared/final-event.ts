/**
 * The event SseParser.end() delivers is one the body ended inside: its blank line never came. Gemini ends
 * a whole stream that way (its last event is complete JSON), but a connection cut mid-event ends there
 * too, with half a JSON object that a passthrough adapter would forward unparsed and the client's SDK
 * would choke on (issue 15's stream fuzzing found it). Every provider's data is JSON or `[DONE]`, so the
 * final event is parsed once: a fragment is a truncated stream, a typed protocol error like any other.
 */
import { StreamProtocolError } from '../types.ts';
import type { OnSseEvent } from './sse.ts';

export function checkedFinalEvent(onEvent: OnSseEvent): OnSseEvent {
  return (event) => {
    if (event.data !== '[DONE]' && event.data !== '') {
      try {
        JSON.parse(event.data);
      } catch (cause) {
        throw new StreamProtocolError('the upstream stream ended in the middle of an event', { cause });
      }
    }
    onEvent(event);
  };
}
