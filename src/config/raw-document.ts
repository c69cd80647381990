// Type guards for the raw config document, before the schema has vouched for
// any of it: validation and the cross-section rules both walk it.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
