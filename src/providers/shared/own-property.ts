/**
 * Writing a property whose name a client chose (a JSON-schema property, a tool argument) onto a plain
 * object. `out[name] = value` with the name `__proto__` does not create a property: it replaces the
 * object's prototype (or does nothing for a primitive), so the name silently vanished from what we sent
 * upstream (issue 10). `JSON.parse` creates such properties as own data properties; so does this.
 */
export function setOwnProperty(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}

/** `record[name]` only when `name` is the record's own key: `constructor` or `__proto__` are not in a table. */
export function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
