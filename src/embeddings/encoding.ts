/**
 * `encoding_format: "base64"`: the vector as little-endian float32 bytes, base64-encoded
 * (docs/providers.md §12.1), which is what the OpenAI SDK asks for by default and decodes with a
 * Float32Array view. Providers that answer only floats are encoded here.
 */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

export function decodeFloat32Base64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const out: number[] = new Array<number>(bytes.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
