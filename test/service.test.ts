import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../api/app.ts';
import { createApiKey, revokeApiKey } from '../pipeline/api-keys.ts';
import { openService, type Service } from '../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../pipeline/service-workers.ts';
import type { ApiRecord } from '../schemas/api.ts';
import { DEPARTMENTS } from '../schemas/common.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import { type TestEnv, tempDir, testEnv, uploadForm, waitFor } from './helpers/services.ts';

/**
 * The service against real parts: PostgreSQL, Redis with BullMQ, s3rver through the minio
 * client, the real pipeline with OCR. The whole sample batch goes in over HTTP.
 */

const inboxFiles = readdirSync(INBOX_DIR)
  .filter((f) => f !== 'metadata.jsonl')
  .sort()
  .map((f) => join(INBOX_DIR, f));
const truth = new Map(inboxEntries().map((e) => [e.file_name, e]));

let t: TestEnv;
let svc: Service;
let workers: RunningWorkers;
let app: App;
let base: string;
const keys = {} as Record<'uploader' | 'reviewer' | 'consumer' | 'admin', string>;

async function api(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  return fetch(`${base}${path}`, { ...init, headers });
}

async function uploadInbox(): Promise<Response> {
  return api('/v1/batches', { method: 'POST', body: await uploadForm(inboxFiles), key: keys.uploader });
}

/** Every record, page by page: one department's, or with `null` every department's. */
async function allRecords(department: string | null, key: string, limit = 5): Promise<ApiRecord[]> {
  const out: ApiRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const q = new URLSearchParams({
      ...(department ? { department } : {}),
      limit: String(limit),
      ...(after ? { after } : {}),
    });
    const res = await api(`/v1/records?${q}`, { key });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { records: ApiRecord[]; next: string | null };
    out.push(...page.records);
    if (page.records.length < limit) return out;
    after = page.next;
  }
}

beforeAll(async () => {
  t = await testEnv({ postgres: true, s3: true });
  svc = await openService(t.config);
  workers = await startWorkers(svc, { pageConcurrency: 2, documentConcurrency: 2, lockMs: 30_000 });
  app = await buildApp(svc);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  for (const role of ['uploader', 'reviewer', 'consumer', 'admin'] as const) {
    keys[role] = (await createApiKey(svc.db, { role, name: `test ${role}` })).key;
  }
});

afterAll(async () => {
  await app?.close();
  await workers?.close();
  await svc?.close();
  await t?.cleanup();
});

describe('service mode: the sample batch over HTTP', () => {
  let batchId: string;
  const firstRecords: ApiRecord[] = [];

  it('accepts the batch, processes it and posts each record exactly once', async () => {
    const res = await uploadInbox();
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      batchId: string;
      documents: { documentId: string; fileName: string }[];
    };
    batchId = body.batchId;
    expect(body.documents).toHaveLength(inboxFiles.length);
    expect(new Set(body.documents.map((d) => d.documentId)).size).toBe(inboxFiles.length);

    const status = await waitFor(
      'the batch to finish',
      async () => {
        const s = (await (await api(`/v1/batches/${batchId}`, { key: keys.uploader })).json()) as {
          status: string;
          counts: { total: number; processing: number; posted: number; review: number; failed: number };
        };
        return s.status === 'done' ? s : null;
      },
      900_000,
      2000,
    );
    expect(status.counts.total).toBe(inboxFiles.length);
    expect(status.counts.failed).toBe(0);
    expect(status.counts.posted + status.counts.review).toBe(inboxFiles.length);
    expect(status.counts.posted).toBeGreaterThan(inboxFiles.length / 2);

    for (const d of DEPARTMENTS) firstRecords.push(...(await allRecords(d, keys.consumer)));
    expect(firstRecords).toHaveLength(status.counts.posted);
    // Without a department: every department's records, each once.
    const everyone = await allRecords(null, keys.consumer);
    expect(new Set(everyone.map((r) => r.department)).size).toBeGreaterThan(1);
    expect(everyone.map((r) => r.recordId).sort()).toEqual(firstRecords.map((r) => r.recordId).sort());
    expect(new Set(firstRecords.map((r) => r.idempotencyKey)).size).toBe(firstRecords.length);
    expect(new Set(firstRecords.map((r) => r.documentId)).size).toBe(firstRecords.length);
    for (const r of firstRecords) {
      const expected = truth.get(r.sourceFile);
      expect(expected, r.sourceFile).toBeDefined();
      // A record must never reach another department's ERP.
      expect(r.department, r.sourceFile).toBe(
        { invoice: 'finance', receipt: 'finance', payslip: 'hr', wage_statement: 'hr' }[expected!.docType] ??
          'claims',
      );
      expect(Object.keys(r.fields).length).toBeGreaterThan(0);
    }
    // As long as the batch may take (the wait above): on two shared cores it can pass 120 s.
  }, 900_000);

  it('delivers the same records to the department queues, once each, keyed by idempotency key', async () => {
    await waitFor(
      'the relay to publish every record',
      async () => {
        let n = 0;
        for (const d of DEPARTMENTS) n += await svc.queues.departments[d].count();
        return n === firstRecords.length;
      },
      30_000,
    );
    for (const d of DEPARTMENTS) {
      const jobs = await svc.queues.departments[d].getJobs(['waiting', 'active', 'completed', 'delayed']);
      const expected = firstRecords.filter((r) => r.department === d);
      expect(jobs.map((j) => j.id).sort()).toEqual(expected.map((r) => r.idempotencyKey).sort());
      for (const j of jobs) {
        expect((j.data as ApiRecord).documentId).toBe(
          expected.find((r) => r.idempotencyKey === j.id)!.documentId,
        );
      }
    }
  });

  it('takes the same files again as duplicates, with no new work and no new records', async () => {
    const res = await uploadInbox();
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      batchId: string;
      documents: { documentId: string; duplicateOf?: string }[];
    };
    expect(body.documents.every((d) => d.duplicateOf === d.documentId)).toBe(true);
    const status = (await (await api(`/v1/batches/${body.batchId}`, { key: keys.uploader })).json()) as {
      status: string;
    };
    expect(status.status).toBe('done');
    expect(await svc.queues.pages.getJobCountByTypes('waiting', 'active', 'delayed')).toBe(0);
    // Give a stray job time to show up before counting again.
    await new Promise((r) => setTimeout(r, 2000));
    let again = 0;
    for (const d of DEPARTMENTS) again += (await allRecords(d, keys.consumer, 100)).length;
    expect(again).toBe(firstRecords.length);
    let queued = 0;
    for (const d of DEPARTMENTS) queued += await svc.queues.departments[d].count();
    expect(queued).toBe(firstRecords.length);
  });

  it('shows a document with fields, evidence, pages and history, and serves its page images', async () => {
    const r = firstRecords[0]!;
    const res = await api(`/v1/documents/${r.documentId}`, { key: keys.reviewer });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      status: string;
      pages: { imageUrl: string; source: string }[];
      history: { type: string }[];
      fields: Record<string, { evidence: unknown[] }>;
    };
    expect(doc.status).toBe('posted');
    expect(doc.pages.length).toBeGreaterThan(0);
    expect(doc.history.map((h) => h.type)).toEqual(['uploaded', 'posted']);
    expect(Object.values(doc.fields).some((f) => f.evidence.length > 0)).toBe(true);
    const img = await api(doc.pages[0]!.imageUrl, { key: keys.reviewer });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await img.arrayBuffer()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('reports readiness and Prometheus metrics', async () => {
    const ready = await api('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { redis: 'ok', database: 'ok', storage: 'ok' },
    });
    const metrics = await (await api('/metrics', { key: keys.admin })).text();
    expect(metrics).toMatch(/paperline_documents\{status="posted"\} [1-9]/);
    expect(metrics).toMatch(/paperline_stage_duration_seconds_count\{stage="read-page"\} [1-9]/);
    expect(metrics).toMatch(/paperline_queue_jobs\{queue="finance",state="waiting"\} \d+/);
    expect(metrics).toMatch(/paperline_review_backlog \d+/);
  });
});

describe('service mode: access', () => {
  it('refuses a missing, malformed, unknown or revoked key with 401', async () => {
    expect((await api('/v1/records?department=finance')).status).toBe(401);
    const malformed = await api('/v1/records?department=finance', {
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(401);
    expect((await api('/v1/records?department=finance', { key: 'pl_admin_guess' })).status).toBe(401);
    const made = await createApiKey(svc.db, { role: 'consumer' });
    expect((await api('/v1/records?department=finance', { key: made.key })).status).toBe(200);
    await revokeApiKey(svc.db, made.info.id);
    const revoked = await api('/v1/records?department=finance', { key: made.key });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: string }).error).toBe('unauthorized');
  });

  it('refuses the wrong role with 403 and lets admin do everything', async () => {
    const cases: [string, string, keyof typeof keys][] = [
      ['GET', '/v1/records?department=finance', 'uploader'],
      ['GET', '/v1/records?department=hr', 'reviewer'],
      ['POST', '/v1/batches', 'consumer'],
      ['POST', '/v1/batches', 'reviewer'],
      ['GET', '/v1/batches/bat_x', 'consumer'],
      ['GET', '/v1/documents/0000000000000000', 'consumer'],
      ['POST', '/v1/documents/0000000000000000/reprocess', 'uploader'],
      ['GET', '/metrics', 'consumer'],
      ['GET', '/admin/queues', 'reviewer'],
    ];
    for (const [method, path, role] of cases) {
      const res = await api(path, { method, key: keys[role] });
      expect(res.status, `${role} ${method} ${path}`).toBe(403);
    }
    expect((await api('/v1/records?department=claims', { key: keys.admin })).status).toBe(200);
    expect((await api('/admin/queues', { key: keys.admin })).status).toBe(200);
    expect((await api('/v1/documents/0000000000000000', { key: keys.admin })).status).toBe(404);
  });

  it('answers health without a key', async () => {
    expect((await api('/healthz')).status).toBe(200);
  });
});

describe('service mode: bad uploads', () => {
  it('keeps unreadable files as failed documents with reasons, and processes the rest', async () => {
    const dir = await tempDir();
    const { writeFile, readFile } = await import('node:fs/promises');
    const pdf = await readFile(join(INBOX_DIR, 'doc-001.pdf'));
    await writeFile(join(dir, 'empty.pdf'), '');
    await writeFile(join(dir, 'truncated.pdf'), pdf.subarray(0, Math.floor(pdf.length / 3)));
    await writeFile(join(dir, 'notes.png'), 'these are my notes, not a picture\n');
    const res = await api('/v1/batches', {
      method: 'POST',
      body: await uploadForm(['empty.pdf', 'truncated.pdf', 'notes.png'].map((f) => join(dir, f))),
      key: keys.uploader,
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      documents: { documentId: string; fileName: string; status: string; failure?: { code: string } }[];
    };
    const byName = Object.fromEntries(body.documents.map((d) => [d.fileName, d]));
    expect(byName['empty.pdf']!.failure?.code).toBe('empty-file');
    expect(byName['notes.png']!.failure?.code).toBe('mislabelled');
    // A truncated PDF may open (its pages are gone) or fail at once; either way it ends failed.
    const truncated = await waitFor(
      'the truncated PDF to be decided',
      async () => {
        const d = (await (
          await api(`/v1/documents/${byName['truncated.pdf']!.documentId}`, { key: keys.uploader })
        ).json()) as {
          status: string;
          failure: { code: string; message: string } | null;
        };
        return d.status === 'processing' ? null : d;
      },
      60_000,
    );
    expect(truncated.status).toBe('failed');
    expect(truncated.failure?.message.length).toBeGreaterThan(10);
    // The original is kept, so nothing the clerk sent is lost.
    const doc = (await (
      await api(`/v1/documents/${byName['notes.png']!.documentId}`, { key: keys.uploader })
    ).json()) as {
      sha256: string;
    };
    expect((await svc.store.get(`originals/${doc.sha256}`))?.toString()).toContain('these are my notes');
  });

  it.each([
    ['a file over the size limit', { PAPERLINE_MAX_FILE_MB: '1' }, 'big', 413, /1 MB limit/],
    ['more files than allowed', { PAPERLINE_MAX_FILES: '2' }, 'three', 413, /at most 2 files/],
    [
      'a document over the page limit',
      { PAPERLINE_MAX_PAGES: '1' },
      'two-pages',
      422,
      /more than the limit of 1 page/,
    ],
  ] as const)('refuses %s (%s) and stores nothing', async (_what, extra, upload, status, message) => {
    const limited = await testEnv({ extra });
    const s = await openService(limited.config);
    const a = await buildApp(s);
    try {
      const key = (await createApiKey(s.db, { role: 'uploader' })).key;
      const form =
        upload === 'big'
          ? (() => {
              const f = new FormData();
              f.append('files', new Blob([new Uint8Array(1024 * 1024 + 10)]), 'big.pdf');
              return f;
            })()
          : await uploadForm(
              (upload === 'three'
                ? ['doc-001.pdf', 'doc-005.pdf', 'doc-008.pdf']
                : ['doc-001.pdf', 'doc-002.pdf']
              ).map((f) => join(INBOX_DIR, f)),
            );
      const res = await a.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: { authorization: `Bearer ${key}` },
        payload: form,
      });
      expect(res.statusCode).toBe(status);
      expect(res.json().message).toMatch(message);
      expect(await s.db.query('SELECT id FROM documents')).toHaveLength(0);
    } finally {
      await a.close();
      await s.close();
      await limited.cleanup();
    }
  });
});
