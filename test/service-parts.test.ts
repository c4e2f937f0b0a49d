import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.ts';
import { createPglite, createPostgres, type Database } from '../pipeline/adapters/db.ts';
import { createFolderStore, createS3Store, type ObjectStore } from '../pipeline/adapters/storage.ts';
import { createApiKey, findApiKey, listApiKeys } from '../pipeline/api-keys.ts';
import { migrate } from '../pipeline/migrate.ts';
import { addEvent } from '../pipeline/repository.ts';
import { openService } from '../pipeline/service.ts';
import { startWorkers } from '../pipeline/service-workers.ts';
import { EnvError, lineReaderFromEnv, loadServiceConfig } from '../schemas/env.ts';
import { INBOX_DIR } from './helpers/inbox.ts';
import { askedFieldNames, completion, promptLines, startOpenAiServer } from './helpers/openai-server.ts';
import { freshPostgres, startS3, tempDir, testEnv, uploadForm, waitFor } from './helpers/services.ts';

describe('configuration', () => {
  it('reports every bad key at once', () => {
    let error: unknown;
    try {
      loadServiceConfig({
        REDIS_URL: 'http://nope',
        DATABASE_URL: 'mysql://x',
        PAPERLINE_MAX_FILE_MB: 'ten',
        PAPERLINE_RUN_WORKERS: 'maybe',
        OPENAI_API_KEY: 'sk-test',
        PAPERLINE_LLM_TIMEOUT_MS: 'soon',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join('\n');
    for (const key of [
      'REDIS_URL',
      'DATABASE_URL',
      'PAPERLINE_MAX_FILE_MB',
      'PAPERLINE_RUN_WORKERS',
      'PAPERLINE_LLM_TIMEOUT_MS',
    ]) {
      expect(problems).toContain(key);
    }
  });

  it('reads PAPERLINE_OCR_LINE_READER for the batch commands as the service reads it', () => {
    expect(lineReaderFromEnv({})).toBe(true);
    expect(lineReaderFromEnv({ PAPERLINE_OCR_LINE_READER: 'false' })).toBe(false);
    expect(loadServiceConfig({ PAPERLINE_OCR_LINE_READER: 'false' }).lineReader).toBe(false);
    expect(lineReaderFromEnv({ PAPERLINE_OCR_LINE_READER: 'YES' })).toBe(true);
    expect(() => lineReaderFromEnv({ PAPERLINE_OCR_LINE_READER: 'maybe' })).toThrow(EnvError);
  });

  it('refuses half an S3 configuration and defaults to the embedded parts', () => {
    expect(() => loadServiceConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/S3_ACCESS_KEY/);
    const c = loadServiceConfig({});
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.databaseUrl).toBeNull();
    expect(c.s3).toBeNull();
    expect(c.llm).toBeNull();
    expect(c.dataDir).toMatch(/data$/);
    expect(Object.isFrozen(c)).toBe(true);
  });
});

describe.each([
  ['a folder', async () => ({ store: await createFolderStore(await tempDir()), stop: async () => {} })],
  [
    'S3 (s3rver through the minio client)',
    async () => {
      const s3 = await startS3();
      const store = await createS3Store({
        endpoint: s3.endpoint,
        bucket: 'paperline-test',
        accessKey: 'S3RVER',
        secretKey: 'S3RVER',
        region: 'us-east-1',
      });
      return { store, stop: s3.stop };
    },
  ],
])('object storage in %s', (_name, make) => {
  let store: ObjectStore;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ store, stop } = await make());
  });
  afterAll(async () => stop());

  it('stores, replaces and returns bytes, and says when a key is missing', async () => {
    const pdf = await readFile(join(INBOX_DIR, 'doc-001.pdf'));
    await store.put('originals/abc', pdf, 'application/pdf');
    expect((await store.get('originals/abc'))?.equals(pdf)).toBe(true);
    await store.put('originals/abc', Buffer.from('second'), 'text/plain');
    expect((await store.get('originals/abc'))?.toString()).toBe('second');
    expect(await store.get('originals/none')).toBeNull();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe.each([
  ['PGlite', async () => ({ db: await createPglite(await tempDir()), drop: async () => {} })],
  [
    'PostgreSQL',
    async () => {
      const pg = await freshPostgres();
      return { db: createPostgres(pg.url), drop: pg.drop };
    },
  ],
])('the database on %s', (_name, make) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await make());
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  it('migrates once, however often and however many processes ask', async () => {
    const runs = await Promise.all([migrate(db), migrate(db)]);
    // Two processes may each apply one migration, so which returns which is not fixed.
    expect(runs.flat().sort()).toEqual(['0001_initial', '0002_review', '0003_webhooks', '0004_split']);
    expect(await migrate(db)).toEqual([]);
  });

  it('keeps the audit trail append-only', async () => {
    await db.query(
      `INSERT INTO documents (id, sha256, file_name, format, size_bytes, storage_key, status)
       VALUES ('d1', 'x', 'a.pdf', 'pdf', 1, 'k', 'processing')`,
    );
    await addEvent(db, { documentId: 'd1', actor: 'test', type: 'uploaded' });
    await expect(db.query(`UPDATE events SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM events')).rejects.toThrow(/append-only/);
    expect(await db.query('SELECT actor FROM events')).toEqual([{ actor: 'test' }]);
  });

  it('stores keys hashed and finds them by the key', async () => {
    const { key, info } = await createApiKey(db, { role: 'reviewer', name: 'Ana' });
    expect((await findApiKey(db, key))?.id).toBe(info.id);
    expect(await findApiKey(db, `${key}x`)).toBeNull();
    const stored = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys');
    expect(stored.map((r) => r.key_hash)).not.toContain(key);
    expect((await listApiKeys(db)).map((k) => k.name)).toContain('Ana');
  });
});

describe('queue jobs', () => {
  it('fails a payload that cannot parse for good, without retries', async () => {
    const t = await testEnv();
    const svc = await openService(t.config);
    const workers = await startWorkers(svc, { pageConcurrency: 1, documentConcurrency: 1, lockMs: 30_000 });
    try {
      const job = await svc.queues.pages.add('read-page', { documentId: 42 }, { attempts: 3 });
      const failed = await waitFor(
        'the job to fail',
        async () => ((await job.isFailed()) ? svc.queues.pages.getJob(job.id!) : null),
        20_000,
      );
      expect(failed?.failedReason).toMatch(/unparseable read-page payload/);
      expect(failed?.attemptsMade).toBe(1);
    } finally {
      await workers.close();
      await svc.close();
      await t.cleanup();
    }
  });

  it('reprocesses a document in review at a new revision, and refuses to reprocess a posted one', async () => {
    const t = await testEnv();
    const svc = await openService(t.config);
    const workers = await startWorkers(svc, { pageConcurrency: 1, documentConcurrency: 1, lockMs: 30_000 });
    const app = await buildApp(svc);
    try {
      const admin = (await createApiKey(svc.db, { role: 'admin' })).key;
      const auth = { authorization: `Bearer ${admin}` };
      // doc-005 is a digital document the ground truth expects in review; doc-001 posts.
      const res = await app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: auth,
        payload: await uploadForm(['doc-005.pdf', 'doc-001.pdf'].map((f) => join(INBOX_DIR, f))),
      });
      const [review, posted] = (res.json() as { documents: { documentId: string }[] }).documents.map(
        (d) => d.documentId,
      );
      const statusOf = async (id: string) =>
        app.inject({ url: `/v1/documents/${id}`, headers: auth }).then((r) => r.json()) as Promise<{
          status: string;
          revision: number;
          history: { type: string }[];
        }>;
      await waitFor(
        'both decided',
        async () =>
          (await statusOf(review!)).status === 'review' && (await statusOf(posted!)).status === 'posted',
        60_000,
      );

      const again = await app.inject({
        method: 'POST',
        url: `/v1/documents/${review}/reprocess`,
        headers: auth,
      });
      expect(again.statusCode).toBe(202);
      expect(again.json().revision).toBe(2);
      const after = await waitFor(
        'the reprocessed document decided',
        async () => {
          const d = await statusOf(review!);
          return d.status === 'review' && d.revision === 2 ? d : null;
        },
        60_000,
      );
      expect(after.history.map((h) => h.type)).toEqual(['uploaded', 'review', 'reprocess', 'review']);

      const refused = await app.inject({
        method: 'POST',
        url: `/v1/documents/${posted}/reprocess`,
        headers: auth,
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toBe('document-posted');
    } finally {
      await app.close();
      await workers.close();
      await svc.close();
      await t.cleanup();
    }
  });
});

describe('the service with an LLM configured', () => {
  it('asks it from the workers and posts none of its ungrounded values', async () => {
    const INVENTED = '987654.32';
    const server = await startOpenAiServer((req) =>
      completion(req, {
        fields: Object.fromEntries(
          askedFieldNames(req).map((f) => [
            f,
            {
              value: INVENTED,
              lines: promptLines(req)
                .slice(0, 2)
                .map((l) => l.id),
            },
          ]),
        ),
      }),
    );
    const t = await testEnv({ extra: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.baseURL } });
    const svc = await openService(t.config);
    const workers = await startWorkers(svc, { pageConcurrency: 1, documentConcurrency: 1, lockMs: 30_000 });
    const app = await buildApp(svc);
    try {
      const admin = { authorization: `Bearer ${(await createApiKey(svc.db, { role: 'admin' })).key}` };
      const res = await app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: admin,
        payload: await uploadForm([join(INBOX_DIR, 'doc-001.pdf')]),
      });
      const id = (res.json() as { documents: { documentId: string }[] }).documents[0]!.documentId;
      const doc = await waitFor(
        'the document decided',
        async () => {
          const d = (await app.inject({ url: `/v1/documents/${id}`, headers: admin })).json() as {
            status: string;
            reasons: { code: string }[];
            fields: Record<string, { value: unknown }>;
          };
          return d.status === 'processing' ? null : d;
        },
        60_000,
      );
      expect(server.requests.length).toBeGreaterThan(0);
      expect(doc.status).toBe('review');
      expect(doc.reasons.map((r) => r.code)).toContain('llm-ungrounded');
      expect(JSON.stringify(Object.values(doc.fields).map((f) => f.value))).not.toContain(INVENTED);
      expect(await svc.db.query('SELECT seq FROM outbox')).toHaveLength(0);
    } finally {
      await app.close();
      await workers.close();
      await svc.close();
      await t.cleanup();
      await server.close();
    }
  });
});

describe('the README', () => {
  it('documents every environment variable the service reads', async () => {
    const { EnvSchema } = await import('../schemas/env.ts');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const key of Object.keys(EnvSchema.shape)) expect(readme, key).toContain(`\`${key}\``);
  });
});
