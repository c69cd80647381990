/**
 * Embeddings (docs/design.md §1 `POST /v1/embeddings`, docs/providers.md §12): the OpenAI request as
 * clients send it, and the contract of one provider's embeddings adapter. Like a chat adapter, an
 * embeddings adapter is pure translation: it builds the upstream request and reads the answer into
 * vectors in input order; the attempt loop owns the network, retries and fallback.
 */
import type { AdapterCall, UpstreamRequest } from '../providers/types.ts';

export interface EmbeddingsRequest {
  model: string;
  /** Texts, or token arrays (OpenAI and compatible servers only). */
  input: string[] | number[][];
  /** True when `input` held token arrays. */
  tokens: boolean;
  /** What the client reads back: float arrays, or base64 of little-endian float32 (the SDK default). */
  encodingFormat: 'float' | 'base64';
  dimensions: number | undefined;
}

export interface Embeddings {
  /** One vector per input, in input order. */
  vectors: number[][];
  promptTokens: number;
  /** True when the provider reported no usage and `promptTokens` is the gateway's own count. */
  promptTokensCounted?: boolean;
  /** The upstream model as the provider reported it ('' when it did not). */
  model: string;
}

export interface EmbeddingsAdapter {
  /** Throws a 400 GatewayError naming the param this provider cannot serve. */
  toRequest(request: EmbeddingsRequest, native: Record<string, unknown>, call: AdapterCall): UpstreamRequest;
  /**
   * Reads a 2xx body. `passthrough` (OpenAI-shaped answers in the format asked for) means the body may go
   * to the client unchanged; then only usage and model are needed from it. Throws UpstreamProtocolError
   * when the answer does not hold one vector per input (the attempt fails over).
   */
  fromResponse(bodyText: string, request: EmbeddingsRequest): Embeddings & { passthrough: boolean };
}
