/**
 * A schema migration: a version number, a name for the `schema_migrations` row and the SQL that moves
 * the schema from the previous version to this one. Each dialect keeps its own ordered list
 * (sqlite.ts, postgres.ts); adding a table is appending an entry with the next version, never editing
 * one that has shipped (databases in the field have already run it).
 */
export interface Migration {
  version: number;
  name: string;
  /** One or more statements; they run inside the migration's transaction. */
  sql: string;
}

/** The migrations `applied` does not list yet, in version order. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<number>): Migration[] {
  return all.filter((migration) => !applied.has(migration.version));
}
