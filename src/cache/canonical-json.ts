/**
 * JSON with object keys in sorted order, so two requests that differ only in key order serialize to
 * the same text (and so hash to the same cache key). Arrays keep their order: message and tool order
 * change the answer. Written by hand because a `JSON.stringify` replacer that sorts keys rebuilds every
 * object it visits, on a walk every cached request pays for.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const field = record[key];
    // As JSON.stringify does: an undefined field is no field.
    if (field === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${out}}`;
}
