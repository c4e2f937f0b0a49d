import { createHmac, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../api/app.ts';
import { createPglite } from '../pipeline/adapters/db.ts';
import { webhookBackoffMs } from '../pipeline/adapters/webhook.ts';
import { createApiKey } from '../pipeline/api-keys.ts';
import { migrate } from '../pipeline/migrate.ts';
import { createBatch, deliverWebhooks, documentIdOf, postRecord } from '../pipeline/repository.ts';
import { openService, type Service } from '../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../pipeline/service-workers.ts';
import { DEPARTMENT_OF } from '../schemas/common.ts';
import { EnvError, loadServiceConfig } from '../schemas/env.ts';
import { type PostedRecord, PostedRecordSchema } from '../schemas/record.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import { type TestEnv, tempDir, testEnv, uploadForm, waitFor } from './helpers/services.ts';

/**
 * Webhook delivery against a real HTTP receiver, the way an ERP would sit behind it: the
 * receiver answers 500 to the first two requests for every record, then 200. The service runs
 * on PostgreSQL, Redis and s3rver; the workers are restarted while records are still failing.
 */

const SECRET = 'erp-shared-secret';
const FILES = ['doc-001.pdf', 'doc-011.pdf', 'doc-015.pdf', 'doc-018.pdf', 'doc-021.pdf'];
const truth = new Map(inboxEntries().map((e) => [e.file_name, e]));

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  status: number;
}

/** An ERP endpoint that fails each record twice before taking it. */
function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const status = n <= 2 ? 500 : 200;
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, received });
    }),
  );
}

/** What the README tells an ERP to do: HMAC the raw bytes, compare in constant time. */
function signatureValid(raw: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
  const got = Buffer.from(String(header));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

let t: TestEnv;
let svc: Service;
let workers: RunningWorkers;
let app: App;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  t = await testEnv({
    postgres: true,
    s3: true,
    extra: {
      PAPERLINE_WEBHOOK_URL_FINANCE: `${receiver.url}/finance`,
      PAPERLINE_WEBHOOK_URL_HR: `${receiver.url}/hr`,
      PAPERLINE_WEBHOOK_URL_CLAIMS: `${receiver.url}/claims`,
      PAPERLINE_WEBHOOK_SECRET: SECRET,
      PAPERLINE_WEBHOOK_RETRY_MS: '100',
      PAPERLINE_WEBHOOK_RETRY_MAX_MS: '400',
    },
  });
  svc = await openService(t.config);
  workers = await startWorkers(svc, {
    pageConcurrency: 1,
    documentConcurrency: 2,
    lockMs: 30_000,
    relayIntervalMs: 100,
  });
  app = await buildApp(svc);
});

afterAll(async () => {
  await app?.close();
  await workers?.close();
  await svc?.close();
  await t?.cleanup();
  await new Promise((r) => receiver?.server.close(r));
});

describe('webhooks', () => {
  it('delivers every posted record once, signed, with one idempotency key across retries and a restart', async () => {
    const { key } = await createApiKey(svc.db, { role: 'uploader', name: 'test' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: await uploadForm(FILES.map((f) => join(INBOX_DIR, f))),
    });
    expect(res.status, await res.clone().text()).toBe(202);

    // The workers go down while records are failing; the retry state is in PostgreSQL.
    await waitFor('a failed delivery', async () => receiver.received.some((r) => r.status === 500), 120_000);
    await workers.close();
    workers = await startWorkers(svc, {
      pageConcurrency: 1,
      documentConcurrency: 2,
      lockMs: 30_000,
      relayIntervalMs: 100,
    });

    const outbox = await waitFor(
      'every record delivered',
      async () => {
        const posted = await svc.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM documents WHERE status = 'processing'`,
        );
        if (posted[0]!.n > 0) return null;
        const rows = await svc.db.query<{
          idempotency_key: string;
          department: string;
          document_id: string;
          webhook_attempts: number;
          webhook_delivered_at: Date | null;
        }>(
          'SELECT idempotency_key, department, document_id, webhook_attempts, webhook_delivered_at FROM outbox ORDER BY seq',
        );
        return rows.length && rows.every((r) => r.webhook_delivered_at) ? rows : null;
      },
      180_000,
      200,
    );
    expect(outbox.length).toBe(FILES.length);

    const successes = receiver.received.filter((r) => r.status === 200);
    // Exactly once as a success, for every posted record and nothing else.
    expect(successes.map((r) => r.headers['idempotency-key']).sort()).toEqual(
      outbox.map((r) => r.idempotency_key).sort(),
    );
    for (const row of outbox) {
      const attempts = receiver.received.filter((r) => r.headers['idempotency-key'] === row.idempotency_key);
      expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
      expect(row.webhook_attempts).toBe(3);
      for (const a of attempts) {
        expect(a.path).toBe(`/${row.department}`);
        expect(signatureValid(a.raw, a.headers['x-paperline-signature'])).toBe(true);
        expect(Number.isNaN(Date.parse(String(a.headers['x-paperline-timestamp'])))).toBe(false);
        expect(a.headers['content-type']).toBe('application/json');
        const record = PostedRecordSchema.parse(JSON.parse(a.raw.toString('utf8')));
        expect(record.id).toBe(row.document_id);
        expect(record.department).toBe(row.department);
        expect(record.docType).toBe(truth.get(record.sourceFile)?.docType);
        expect(DEPARTMENT_OF[record.docType]).toBe(row.department);
      }
      // Same bytes every time, so a retry is the same request.
      expect(new Set(attempts.map((a) => a.raw.toString('base64'))).size).toBe(1);
      // Retries wait: at least the configured first delay between the first two attempts.
      const times = attempts.map((a) => Date.parse(String(a.headers['x-paperline-timestamp'])));
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(90);
    }
    // A tampered body does not verify.
    const one = successes[0]!;
    expect(signatureValid(Buffer.from(`${one.raw.toString()} `), one.headers['x-paperline-signature'])).toBe(
      false,
    );

    // Later passes send nothing more.
    const count = receiver.received.length;
    workers.kickRelay();
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received.length).toBe(count);
  }, 300_000);

  it('on PGlite too: a failing head record holds back the next one until its backoff ends', async () => {
    const dir = await tempDir();
    const db = await createPglite(dir);
    try {
      await migrate(db);
      const docs = ['a', 'b'].map((c) => ({ sha256: c.repeat(64), fileName: `${c}.pdf` }));
      await createBatch(db, {
        batchId: 'bat_1',
        actor: 'test',
        uploads: docs.map((d) => ({
          ...d,
          format: 'pdf',
          sizeBytes: 1,
          storageKey: d.sha256,
          pageCount: 1,
          failure: null,
        })),
      });
      for (const d of docs) {
        const record = { id: documentIdOf(d.sha256), department: 'hr', docType: 'payslip', fields: {} };
        await db.transaction((tx) =>
          postRecord(tx, { documentId: record.id, revision: 1, record: record as unknown as PostedRecord }),
        );
      }
      const sent: string[] = [];
      let failures = 1;
      const pass = () =>
        deliverWebhooks(db, {
          urls: { hr: 'http://erp.invalid/hr' },
          send: async (d) => {
            sent.push(d.idempotencyKey);
            return failures-- > 0 ? { ok: false, error: 'HTTP 502' } : { ok: true, status: 200 };
          },
          backoffMs: () => 300,
          leaseMs: 10_000,
        });
      const [a, b] = docs.map((d) => `${documentIdOf(d.sha256)}-r1`);
      const first = await pass();
      expect(first).toMatchObject([{ idempotencyKey: a, ok: false, attempts: 1, error: 'HTTP 502' }]);
      expect(Date.parse(first[0]!.retryAt!)).toBeGreaterThan(Date.now());
      expect(await pass()).toEqual([]);
      await new Promise((r) => setTimeout(r, 400));
      expect((await pass()).map((x) => [x.idempotencyKey, x.ok, x.attempts])).toEqual([
        [a, true, 2],
        [b, true, 1],
      ]);
      expect(await pass()).toEqual([]);
      expect(sent).toEqual([a, a, b]);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks for a secret when a webhook URL is set, and backs off exponentially up to the cap', () => {
    expect(() => loadServiceConfig({ PAPERLINE_WEBHOOK_URL_HR: 'https://erp.example/hooks' })).toThrow(
      EnvError,
    );
    expect(() => loadServiceConfig({ PAPERLINE_WEBHOOK_URL_HR: 'https://erp.example/hooks' })).toThrow(
      /PAPERLINE_WEBHOOK_SECRET/,
    );
    expect(() => loadServiceConfig({ PAPERLINE_WEBHOOK_URL_HR: 'ftp://erp.example' })).toThrow(EnvError);
    const config = loadServiceConfig({
      PAPERLINE_WEBHOOK_URL_HR: 'https://erp.example/h',
      PAPERLINE_WEBHOOK_SECRET: 's',
    });
    expect(config.webhooks).toMatchObject({ urls: { hr: 'https://erp.example/h' }, retryMs: 5000 });
    expect(loadServiceConfig({}).webhooks).toBeNull();
    expect([1, 2, 3, 4, 10, 100].map((n) => webhookBackoffMs(n, 5000, 60_000))).toEqual([
      5000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
  });
});
