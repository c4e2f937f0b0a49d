import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../schemas/api.ts';
import type { Sql } from './adapters/db.ts';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

/** Keys are 32 random bytes, so sha256 alone cannot be reversed or guessed; no salt is needed. */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Makes a key and stores only its hash: the key itself is shown once, to whoever made it. */
export async function createApiKey(
  db: Sql,
  opts: { role: Role; name?: string | undefined },
): Promise<{ key: string; info: ApiKeyInfo }> {
  const id = `key_${randomBytes(6).toString('hex')}`;
  // The role in the prefix tells an operator what a leaked key could do, without a lookup.
  const key = `pl_${opts.role}_${randomBytes(32).toString('base64url')}`;
  const name = opts.name ?? `${opts.role} key ${id}`;
  const [row] = await db.query<Row>(
    `INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4)
     RETURNING id, name, role, created_at, revoked_at`,
    [id, name, opts.role, hashKey(key)],
  );
  return { key, info: toInfo(row!) };
}

/** The live key a bearer token names, or null when it is unknown or revoked. */
export async function findApiKey(db: Sql, key: string): Promise<ApiKeyInfo | null> {
  const [row] = await db.query<Row>(
    'SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashKey(key)],
  );
  return row ? toInfo(row) : null;
}

export async function listApiKeys(db: Sql): Promise<ApiKeyInfo[]> {
  const rows = await db.query<Row>(
    'SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id',
  );
  return rows.map(toInfo);
}

/** True when a live key was revoked; false when there is no such key or it already was. */
export async function revokeApiKey(db: Sql, id: string): Promise<boolean> {
  const rows = await db.query(
    'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [id],
  );
  return rows.length > 0;
}

type Row = { id: string; name: string; role: Role; created_at: Date; revoked_at: Date | null };

function toInfo(r: Row): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  };
}
