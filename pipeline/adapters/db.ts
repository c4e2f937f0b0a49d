import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

/** What a repository function needs: one statement at a time. */
export interface Sql {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements at once, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

/**
 * PostgreSQL, either a server (pg) or PGlite embedded in this process. The SQL the service
 * runs is the same on both; only how a connection and a transaction are had differs.
 */
export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @param opts.max pool size (default 10)
 * @param opts.connectTimeoutMs give up on a connection after this long (default: wait as pg does)
 */
export function createPostgres(
  url: string,
  opts: { max?: number; connectTimeoutMs?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
  });
  // An idle client losing its server (a restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const sqlOf = (c: pg.Pool | pg.PoolClient): Sql => ({
    async query<T extends Row>(text: string, params?: unknown[]) {
      return (await c.query(text, params as unknown[])).rows as T[];
    },
    async exec(text: string) {
      await c.query(text);
    },
  });
  return {
    kind: 'postgres',
    ...sqlOf(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(sqlOf(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}

/**
 * PGlite keeps its data in one folder and serves one process: fine for `paperline serve` with
 * its workers inside, not for separate worker processes (those need DATABASE_URL).
 */
export async function createPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  type Q = Pick<PGlite, 'query' | 'exec'>;
  const sqlOf = (c: Q): Sql => ({
    async query<T extends Row>(text: string, params?: unknown[]) {
      return (await c.query<T>(text, params)).rows;
    },
    async exec(text: string) {
      await c.exec(text);
    },
  });
  return {
    kind: 'pglite',
    ...sqlOf(db),
    transaction: (fn) => db.transaction((tx) => fn(sqlOf(tx))),
    async ping() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}
