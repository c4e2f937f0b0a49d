import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from './adapters/db.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** Any constant will do; it keeps two processes starting at once from migrating together. */
const MIGRATION_LOCK = 72_010_001;

/**
 * Applies `pipeline/migrations/NNNN_name.sql` files not yet applied, in name order, each in
 * its own transaction. Returns the versions it applied. A migration, once released, is never
 * edited: a change is a new file.
 */
export async function migrate(db: Database): Promise<string[]> {
  // Under the lock too: two first starts racing on CREATE TABLE IF NOT EXISTS collide.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    const sql = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (done.length) return false;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      return true;
    });
    if (did) applied.push(version);
  }
  return applied;
}
