/** Reads an SDK stream to its end or its failure: what arrived, and what it threw (undefined if nothing). */
export async function drain<T>(stream: AsyncIterable<T>): Promise<{ received: T[]; failure: unknown }> {
  const received: T[] = [];
  const failure = await (async () => {
    for await (const item of stream) received.push(item);
  })().catch((e: unknown) => e);
  return { received, failure };
}
